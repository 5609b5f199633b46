// Drawing viewer: pan (drag, arrow keys), zoom (wheel, +/- keys, buttons), layer toggles, and
// review comments pinned by clicking. The preview is an <img>, so nothing inside the SVG can run;
// pins live in a sibling <svg>. Layers are hidden here, never re-rendered on the server: the stored
// preview has every path inside <g data-layer="name">, so the viewer fetches it once and shows a
// copy with one CSS rule appended (g[data-layer="…"]{display:none}); the geometry does not change.
"use strict";
(function () {
  function panZoom(viewer, onClick) {
    const stage = viewer.querySelector(".stage");
    let scale = 1, tx = 0, ty = 0, drag = null;
    const apply = () => { stage.style.transform = `translate(${tx}px, ${ty}px) scale(${scale})`; };
    const zoom = (factor, cx, cy) => {
      const rect = viewer.getBoundingClientRect();
      const x = (cx ?? rect.width / 2), y = (cy ?? rect.height / 2);
      const next = Math.min(40, Math.max(0.2, scale * factor));
      tx = x - ((x - tx) * next) / scale; ty = y - ((y - ty) * next) / scale; scale = next; apply();
    };
    // The whole sheet in the box, centred: a portrait sheet drawn at the box's width was cut
    // off below its top third. 0 and 复位 come back here.
    const reset = () => {
      const box = viewer.getBoundingClientRect(), h = stage.offsetHeight;
      scale = h > box.height && box.height > 0 ? box.height / h : 1;
      tx = (box.width - box.width * scale) / 2; ty = (box.height - h * scale) / 2;
      apply();
    };
    const img = stage.querySelector("img");
    if (img && !img.complete) img.addEventListener("load", reset, { once: true });
    else reset();
    viewer.addEventListener("wheel", (e) => {
      e.preventDefault();
      const rect = viewer.getBoundingClientRect();
      zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - rect.left, e.clientY - rect.top);
    }, { passive: false });
    viewer.addEventListener("pointerdown", (e) => { drag = { x: e.clientX, y: e.clientY, tx, ty, moved: false }; viewer.setPointerCapture(e.pointerId); });
    viewer.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      if (drag.moved) { tx = drag.tx + dx; ty = drag.ty + dy; apply(); }
    });
    viewer.addEventListener("pointerup", (e) => {
      const wasClick = drag && !drag.moved;
      drag = null;
      if (wasClick && onClick) onClick(e);
    });
    viewer.addEventListener("keydown", (e) => {
      const step = 40, keys = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (keys[e.key]) { tx += keys[e.key][0]; ty += keys[e.key][1]; apply(); e.preventDefault(); }
      else if (e.key === "+" || e.key === "=") { zoom(1.2); e.preventDefault(); }
      else if (e.key === "-") { zoom(1 / 1.2); e.preventDefault(); }
      else if (e.key === "0") { reset(); e.preventDefault(); }
    });
    document.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => {
      if (b.dataset.zoom === "in") zoom(1.2); else if (b.dataset.zoom === "out") zoom(1 / 1.2); else reset();
    }));
  }

  // Page geometry "W,H,xmin,ymin,xmax,ymax": the drawing is fitted, centred, inside 2 mm margins.
  function mapping(header) {
    const [W, H, xmin, ymin, xmax, ymax] = header.split(",").map(Number);
    const ew = Math.max(xmax - xmin, 1e-9), eh = Math.max(ymax - ymin, 1e-9);
    const s = Math.min((W - 4) / ew, (H - 4) / eh);
    const offx = 2 + ((W - 4) - ew * s) / 2, offy = 2 + ((H - 4) - eh * s) / 2;
    return {
      W, H,
      toDrawing: (fx, fy) => [xmin + (fx * W - offx) / s, ymax - (fy * H - offy) / s],
      toPage: (x, y) => [offx + (x - xmin) * s, offy + (ymax - y) * s],
    };
  }

  function pinViewer(viewer) {
    const img = viewer.querySelector("img");
    const pins = viewer.querySelector("svg.pins");
    const form = document.getElementById("comment-form");
    const status = document.getElementById("pin-status");
    const map = mapping(viewer.dataset.geometry);
    let pending = null;
    const NS = "http://www.w3.org/2000/svg";

    function pin(x, y, label, cls) {
      const [px, py] = map.toPage(x, y);
      const r = Math.max(map.W, map.H) / 50;
      const g = document.createElementNS(NS, "g");
      g.setAttribute("class", cls);
      const c = document.createElementNS(NS, "circle");
      c.setAttribute("cx", px); c.setAttribute("cy", py); c.setAttribute("r", r);
      c.setAttribute("class", "pin");
      const t = document.createElementNS(NS, "text");
      t.setAttribute("x", px); t.setAttribute("y", py + r * 0.4); t.setAttribute("font-size", r * 1.2);
      t.setAttribute("text-anchor", "middle"); t.setAttribute("fill", "#fff");
      t.textContent = label;
      g.append(c, t);
      pins.append(g);
      return g;
    }
    function draw() {
      pins.setAttribute("viewBox", `0 0 ${map.W} ${map.H}`);
      pins.setAttribute("preserveAspectRatio", "none");
      pins.replaceChildren();
      document.querySelectorAll("#comment-list li[data-x]").forEach((li, i) => {
        pin(Number(li.dataset.x), Number(li.dataset.y), String(i + 1), "saved " + li.dataset.status);
      });
      if (pending) pending = pin(pending.x, pending.y, "+", "pending") && pending;
    }
    function place(x, y) {
      if (!form) return;
      form.elements.x.value = x.toFixed(3);
      form.elements.y.value = y.toFixed(3);
      pending = { x, y };
      draw();
      status.textContent = `已选择位置 (${x.toFixed(3)}, ${y.toFixed(3)})，请填写意见内容。`;
      form.elements.body.focus();
    }
    panZoom(viewer, (e) => {
      const rect = img.getBoundingClientRect();
      const fx = (e.clientX - rect.left) / rect.width, fy = (e.clientY - rect.top) / rect.height;
      if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return;
      const [x, y] = map.toDrawing(fx, fy);
      place(x, y);
    });
    draw();

    layerToggles(viewer, img);
  }

  function layerToggles(viewer, img) {
    const toggles = Array.from(document.querySelectorAll(".layer-toggle"));
    const status = document.getElementById("layer-status");
    if (!toggles.length) return;
    const NS = "http://www.w3.org/2000/svg";
    const END = "</svg>";
    let stored = null; // the stored preview as a Blob, fetched on the first toggle
    let latest = 0;

    async function storedPreview() {
      if (!stored) {
        const response = await fetch(viewer.dataset.preview, { credentials: "same-origin" });
        if (!response.ok) throw new Error(String(response.status));
        stored = await response.blob();
      }
      return stored;
    }
    // The preview with the hidden layers' groups switched off by a <style> before </svg>.
    async function withHidden(names) {
      const blob = await storedPreview();
      const tail = await blob.slice(Math.max(0, blob.size - 64)).text();
      const end = tail.lastIndexOf(END);
      if (end < 0) throw new Error("not an SVG");
      const at = blob.size - new TextEncoder().encode(tail.slice(end)).length; // ASCII from there
      const style = document.createElementNS(NS, "style");
      style.textContent = names.map((n) => `g[data-layer="${CSS.escape(n)}"]`).join(",") + "{display:none}";
      const rule = new XMLSerializer().serializeToString(style); // escapes < and & for XML
      return new Blob([blob.slice(0, at), rule, blob.slice(at)], { type: "image/svg+xml" });
    }
    function show(src) {
      const old = img.src;
      img.src = src;
      if (old.startsWith("blob:")) URL.revokeObjectURL(old);
    }
    async function apply() {
      const ticket = ++latest;
      const hidden = toggles.filter((b) => !b.checked).map((b) => b.value);
      viewer.dataset.hiddenLayers = String(hidden.length);
      if (!hidden.length) {
        show(viewer.dataset.preview);
        status.textContent = "显示全部图层";
        return;
      }
      try {
        const blob = await withHidden(hidden);
        if (ticket !== latest) return; // a later toggle won
        show(URL.createObjectURL(blob));
        status.textContent = `已隐藏 ${hidden.length} 个图层`;
      } catch (error) {
        status.textContent = "预览加载失败，请刷新页面重试";
      }
    }
    toggles.forEach((box) => box.addEventListener("change", apply));
    document.querySelectorAll("[data-layers]").forEach((button) => button.addEventListener("click", () => {
      toggles.forEach((box) => { box.checked = button.dataset.layers === "all"; });
      apply();
    }));
  }

  // On a phone the layer panel is a drawer: 图层 opens it, 关闭 or Escape closes it.
  function layerDrawer() {
    const panel = document.getElementById("layers-panel");
    const open = document.getElementById("layers-open");
    if (!panel || !open) return;
    const set = (shown) => {
      panel.classList.toggle("open", shown);
      open.setAttribute("aria-expanded", String(shown));
      if (shown) (panel.querySelector("input, button") || panel).focus();
      else open.focus();
    };
    open.addEventListener("click", () => set(!panel.classList.contains("open")));
    const close = document.getElementById("layers-close");
    if (close) close.addEventListener("click", () => set(false));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && panel.classList.contains("open")) set(false);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    layerDrawer();
    const viewer = document.getElementById("viewer");
    if (viewer && viewer.dataset.geometry) pinViewer(viewer);
    const overlay = document.getElementById("overlay-viewer");
    if (overlay) panZoom(overlay, null);
  });
})();
