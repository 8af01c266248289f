// The search page: images in by drop, paste, file picker or URL; filters that apply on change;
// a box drawn on the query image searches that region. Without this script the page still
// searches by words and filters (plain GET form) and by an uploaded file (the <noscript> form).
"use strict";

(() => {
  const form = document.getElementById("search");
  if (!form) return;
  document.documentElement.classList.add("js");
  const bar = document.getElementById("bar");
  const words = document.getElementById("q");
  const picker = document.getElementById("file");
  const errorBox = document.getElementById("bar-error");
  const progress = document.getElementById("progress");
  const progressText = document.getElementById("progress-text");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let slowTimer = null;

  // What an image search is doing, in words and with a spinner, until the results page replaces this one.
  function showProgress(message) {
    progressText.textContent = message;
    progress.classList.add("active");
    bar.classList.add("busy");
    form.setAttribute("aria-busy", "true");
  }

  function showError(message) {
    clearTimeout(slowTimer);
    errorBox.textContent = message;
    bar.classList.toggle("invalid", Boolean(message));
    bar.classList.remove("busy");
    form.removeAttribute("aria-busy");
    if (message) {
      progress.classList.remove("active");
      progressText.textContent = "";
    }
  }

  // Send the image (a File, or {url}) to the server, which keeps it under a token; then search.
  async function searchByImage(source) {
    const body = new FormData();
    if (source instanceof File) body.append("image", source, source.name || "pasted-image");
    else body.append("url", source.url);
    if (words.value.trim()) body.append("q", words.value.trim());
    showError("");
    showProgress("Sending your picture…");
    // The server matches the picture before it answers: say so once sending is surely done.
    slowTimer = setTimeout(() => showProgress("Looking for copies of your picture and pictures like it…"), 700);
    let response;
    try {
      response = await fetch(form.dataset.uploadUrl, {
        method: "POST", body, headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch (_) {
      showError("The image could not be sent. Check your connection and try again.");
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      showError(answer.detail || `The image could not be used (error ${response.status}).`);
      return;
    }
    clearTimeout(slowTimer);
    showProgress("Opening the results…");
    const params = new URLSearchParams(new FormData(form));
    params.set("image", answer.token);
    params.delete("region");
    params.delete("page");
    window.location.assign(`${form.action}?${params}`);
  }

  // Dropping a file anywhere on the page; while something is dragged over it, the whole page says
  // where it may go (an overlay) and the bar lights up.
  let dragDepth = 0;
  const carriesFiles = (event) => Array.from(event.dataTransfer?.types || []).some((t) => t === "Files" || t === "text/uri-list");
  const dragging = (on) => {
    bar.classList.toggle("dragging", on);
    document.documentElement.classList.toggle("dragging", on);
  };
  document.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event)) return;
    dragDepth += 1;
    dragging(true);
  });
  document.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) dragging(false);
  });
  document.addEventListener("dragover", (event) => {
    if (carriesFiles(event)) event.preventDefault();
  });
  document.addEventListener("drop", (event) => {
    dragDepth = 0;
    dragging(false);
    const file = event.dataTransfer?.files?.[0];
    const url = (event.dataTransfer?.getData("text/uri-list") || "").split("\n").find((line) => /^https?:\/\//.test(line));
    if (!file && !url) return;
    event.preventDefault();
    searchByImage(file || { url: url.trim() });
  });

  // Pasting an image (from the clipboard) anywhere, or an image address into the words field.
  document.addEventListener("paste", (event) => {
    const items = Array.from(event.clipboardData?.items || []);
    const image = items.find((item) => item.kind === "file" && item.type.startsWith("image/"));
    if (image) {
      event.preventDefault();
      searchByImage(image.getAsFile());
      return;
    }
    const text = (event.clipboardData?.getData("text/plain") || "").trim();
    if (/^https?:\/\/\S+$/i.test(text)) {
      event.preventDefault();
      searchByImage({ url: text });
    }
  });

  // The camera button (a real button: Enter and Space open the picker) and the picker itself.
  document.getElementById("pick").addEventListener("click", () => picker.click());
  document.getElementById("pick-instead")?.addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    if (picker.files.length) searchByImage(picker.files[0]);
  });

  // On a phone the filters start folded, so the results come first.
  const panel = document.getElementById("filters-panel");
  if (panel && window.matchMedia("(max-width: 820px)").matches) panel.open = false;

  // Filters and sort apply as soon as they change.
  document.querySelectorAll('[form="search"]').forEach((control) => {
    control.addEventListener("change", () => form.requestSubmit());
  });
  // Empty fields stay out of the URL, so shared links read cleanly.
  form.addEventListener("formdata", (event) => {
    for (const [name, value] of Array.from(event.formData.entries())) {
      if (value === "") event.formData.delete(name);
    }
  });

  // Region: drag a box on the query image; the search re-runs with ?region=x,y,w,h on release.
  const frame = document.querySelector(".region-frame");
  const box = document.getElementById("region-box");
  if (!frame || !box) return;
  const round = (value) => Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000;
  const drawBox = ([x, y, w, h]) => {
    Object.assign(box.style, { left: `${x * 100}%`, top: `${y * 100}%`, width: `${w * 100}%`, height: `${h * 100}%` });
    box.hidden = false;
  };
  if (box.dataset.region) drawBox(box.dataset.region.split(",").map(Number));
  let start = null;
  const relative = (event) => {
    const rect = frame.getBoundingClientRect();
    return [round((event.clientX - rect.left) / rect.width), round((event.clientY - rect.top) / rect.height)];
  };
  const current = (event) => {
    const [x1, y1] = start;
    const [x2, y2] = relative(event);
    return [Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1)].map(round);
  };
  frame.addEventListener("pointerdown", (event) => {
    start = relative(event);
    frame.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  frame.addEventListener("pointermove", (event) => {
    if (start) drawBox(current(event));
  });
  frame.addEventListener("pointerup", (event) => {
    if (!start) return;
    const region = current(event);
    start = null;
    if (region[2] < 0.05 || region[3] < 0.05) {
      box.hidden = !box.dataset.region;
      if (box.dataset.region) drawBox(box.dataset.region.split(",").map(Number));
      return;
    }
    const params = new URLSearchParams(new FormData(form));
    params.set("region", region.join(","));
    params.delete("page");
    window.location.assign(`${form.action}?${params}`);
  });
})();
