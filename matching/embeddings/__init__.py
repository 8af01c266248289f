"""Visual embeddings for look-alike search: a small ImageNet CNN run with onnxruntime, no torch."""
