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

  // Filters and sort apply as soon as they change; a slider moved by the keyboard changes at every step,
  // so it applies once it rests.
  let settleTimer = null;
  document.querySelectorAll('[form="search"]').forEach((control) => {
    control.addEventListener("change", () => {
      clearTimeout(settleTimer);
      if (control.hasAttribute("data-settle")) settleTimer = setTimeout(() => form.requestSubmit(), 500);
      else form.requestSubmit();
    });
  });
  // Empty fields stay out of the URL, and colours go in without their "#", so shared links read cleanly.
  const tidy = (event) => {
    const entries = Array.from(event.formData.entries());
    entries.forEach(([name]) => event.formData.delete(name));
    for (const [name, value] of entries) {
      if (value === "") continue;
      event.formData.append(name, name === "colors" || name === "add_color" ? value.replace(/^#/, "") : value);
    }
  };
  form.addEventListener("formdata", tidy);

  // The colour picker: a colour chosen in the add field is added at once; dragging one share moves the
  // others in proportion, so that the shares always add up to 100 (the server would rescale them anyway).
  const addColor = document.getElementById("add-color");
  if (addColor) {
    addColor.addEventListener("formdata", tidy);
    addColor.querySelector("input[type=color]").addEventListener("change", () => addColor.requestSubmit());
  }
  const shares = Array.from(document.querySelectorAll("#palette input.share"));
  const showShare = (input) => {
    input.setAttribute("aria-valuetext", `${input.value}%`);
    const output = document.getElementById(`${input.id}-value`);
    if (output) output.textContent = `${input.value}%`;
  };
  const rebalance = (moved) => {
    const others = shares.filter((input) => input !== moved);
    const left = 100 - Number(moved.value);
    const before = others.reduce((sum, input) => sum + Number(input.value), 0);
    const exact = others.map((input) => (Number(input.value) / before) * left);
    const whole = exact.map((value) => Math.max(1, Math.floor(value)));
    const order = exact.map((value, i) => [value - Math.floor(value), i]).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
    const total = () => whole.reduce((sum, value) => sum + value, 0);
    // Whole shares, at least 1 each: the largest remainders take the points left over.
    for (let guard = 0; total() !== left && guard < 100; guard += 1) {
      const grow = total() < left;
      for (const i of grow ? order : [...order].reverse()) {
        if (total() === left) break;
        if (grow || whole[i] > 1) whole[i] += grow ? 1 : -1;
      }
    }
    others.forEach((input, i) => {
      input.value = String(whole[i]);
      showShare(input);
    });
    showShare(moved);
  };
  shares.forEach((input) => input.addEventListener("input", () => rebalance(input)));

  // The results' colours are one stop of the Tab key (a toolbar: arrow keys move between swatches), so the
  // keyboard reaches the results as quickly as before.
  const swatchBar = document.getElementById("strip-swatches");
  const swatches = swatchBar ? Array.from(swatchBar.querySelectorAll("a")) : [];
  if (swatches.length > 1) {
    swatchBar.setAttribute("role", "toolbar");
    swatches.forEach((link, i) => { link.tabIndex = i === 0 ? 0 : -1; });
    swatchBar.addEventListener("keydown", (event) => {
      const at = swatches.indexOf(document.activeElement);
      const moves = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: swatches.length - 1 };
      if (at < 0 || !(event.key in moves)) return;
      event.preventDefault();
      const next = (moves[event.key] + swatches.length) % swatches.length;
      swatches[at].tabIndex = -1;
      swatches[next].tabIndex = 0;
      swatches[next].focus();
    });
  }

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
