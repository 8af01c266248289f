"""The licensing catalog: what is licensed, by whom, on what terms."""
