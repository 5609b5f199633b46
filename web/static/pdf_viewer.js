// PDF sheets drawn page by page with PDF.js (vendored in /static/pdfjs, see README.txt there);
// zoom, page navigation, review comments pinned by clicking (PDF user-space coordinates), and
// the e-seal's position picked by clicking (its box drawn where the seal will go).
import * as pdfjsLib from "/static/pdfjs/pdf.min.js";

pdfjsLib.GlobalWorkerOptions.workerSrc = "/static/pdfjs/pdf.worker.min.js";

const box = document.getElementById("pdf-viewer");
if (box) {
  const canvas = box.querySelector("canvas");
  const pins = box.querySelector("svg.pins");
  const status = document.getElementById("pdf-status");
  const pageInput = document.getElementById("pdf-page");
  const form = document.getElementById("comment-form");
  const pinStatus = document.getElementById("pin-status");
  const sealForm = document.getElementById("seal-form");
  const sealStatus = document.getElementById("seal-status");
  const sealPick = document.getElementById("seal-pick");
  const NS = "http://www.w3.org/2000/svg";
  let doc = null, pageNo = 1, zoom = 1, viewport = null, pending = null, seal = null;
  // A click pins a comment, unless the signer asked to place the seal (or may not comment).
  let picking = !form && !!sealForm;

  async function render() {
    const page = await doc.getPage(pageNo);
    const base = page.getViewport({ scale: 1 });
    const fit = (box.clientWidth - 2) / base.width;
    viewport = page.getViewport({ scale: fit * zoom });
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${viewport.width}px`;
    canvas.style.height = `${viewport.height}px`;
    await page.render({ canvasContext: canvas.getContext("2d"), viewport,
      transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null }).promise;
    pageInput.value = String(pageNo);
    status.textContent = `第 ${pageNo} / ${doc.numPages} 页`;
    box.dataset.rendered = String(pageNo);
    drawPins();
  }

  function pin(x, y, label, cls) {
    const [px, py] = viewport.convertToViewportPoint(x, y);
    const g = document.createElementNS(NS, "g");
    g.setAttribute("class", cls);
    const c = document.createElementNS(NS, "circle");
    c.setAttribute("cx", px); c.setAttribute("cy", py); c.setAttribute("r", 10); c.setAttribute("class", "pin");
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", px); t.setAttribute("y", py + 4); t.setAttribute("font-size", 12);
    t.setAttribute("text-anchor", "middle"); t.setAttribute("fill", "#fff");
    t.textContent = label;
    g.append(c, t);
    pins.append(g);
  }

  function drawPins() {
    pins.setAttribute("viewBox", `0 0 ${viewport.width} ${viewport.height}`);
    pins.style.width = `${viewport.width}px`;
    pins.style.height = `${viewport.height}px`;
    pins.replaceChildren();
    document.querySelectorAll("#comment-list li[data-x]").forEach((li, i) => {
      if (Number(li.dataset.page || 1) === pageNo) {
        pin(Number(li.dataset.x), Number(li.dataset.y), String(i + 1), "saved " + li.dataset.status);
      }
    });
    if (pending && pending.page === pageNo) pin(pending.x, pending.y, "+", "pending");
    if (seal && seal.page === pageNo) sealBox(seal.x, seal.y);
  }

  function sealSize() {
    const asbuilt = sealForm.elements.seal.value.startsWith("asbuilt:");
    return (asbuilt ? sealForm.dataset.frame : sealForm.dataset.seal).split(",").map(Number);
  }

  function sealBox(x, y) {
    const [w, h] = sealSize();
    const [x1, y1] = viewport.convertToViewportPoint(x, y);
    const [x2, y2] = viewport.convertToViewportPoint(x + w, y + h);
    const r = document.createElementNS(NS, "rect");
    r.setAttribute("x", Math.min(x1, x2)); r.setAttribute("y", Math.min(y1, y2));
    r.setAttribute("width", Math.abs(x2 - x1)); r.setAttribute("height", Math.abs(y2 - y1));
    r.setAttribute("class", "seal-box");
    pins.append(r);
  }

  function placeSeal(x, y) {
    sealForm.elements.seal_x.value = x.toFixed(1);
    sealForm.elements.seal_y.value = y.toFixed(1);
    sealForm.elements.seal_page.value = String(pageNo);
    seal = { x, y, page: pageNo };
    picking = !form;
    if (sealPick) sealPick.setAttribute("aria-pressed", "false");
    drawPins();
    sealStatus.textContent = `签章位置：第 ${pageNo} 页 (${x.toFixed(1)}, ${y.toFixed(1)})，确认无误后点击“签章”。`;
  }

  if (sealForm) {
    if (sealPick) {
      sealPick.addEventListener("click", () => {
        picking = true;
        sealPick.setAttribute("aria-pressed", "true");
        sealStatus.textContent = "请在页面上单击签章框左下角的位置。";
        box.scrollIntoView({ block: "center" });
      });
    }
    const typed = () => {
      const x = Number(sealForm.elements.seal_x.value), y = Number(sealForm.elements.seal_y.value);
      const page = Number(sealForm.elements.seal_page.value) || 1;
      if (Number.isFinite(x) && Number.isFinite(y)) { seal = { x, y, page }; if (viewport) drawPins(); }
    };
    ["seal_x", "seal_y", "seal_page", "seal"].forEach((n) => sealForm.elements[n].addEventListener("change", typed));
  }

  canvas.addEventListener("click", (e) => {
    if (!viewport) return;
    const rect = canvas.getBoundingClientRect();
    const [x, y] = viewport.convertToPdfPoint(e.clientX - rect.left, e.clientY - rect.top);
    if (picking && sealForm) { placeSeal(x, y); return; }
    if (!form) return;
    form.elements.x.value = x.toFixed(2);
    form.elements.y.value = y.toFixed(2);
    if (form.elements.page) form.elements.page.value = String(pageNo);
    pending = { x, y, page: pageNo };
    drawPins();
    pinStatus.textContent = `已选择第 ${pageNo} 页位置 (${x.toFixed(2)}, ${y.toFixed(2)})，请填写意见内容。`;
    form.elements.body.focus();
  });

  const go = (n) => { if (doc && n >= 1 && n <= doc.numPages) { pageNo = n; render(); } };
  document.getElementById("pdf-prev").addEventListener("click", () => go(pageNo - 1));
  document.getElementById("pdf-next").addEventListener("click", () => go(pageNo + 1));
  pageInput.addEventListener("change", () => go(Number(pageInput.value)));
  document.getElementById("pdf-zoom-in").addEventListener("click", () => { zoom *= 1.25; render(); });
  document.getElementById("pdf-zoom-out").addEventListener("click", () => { zoom /= 1.25; render(); });

  // The CMaps map the character codes of non-embedded CJK fonts (e.g. STSong-Light with
  // UniGB-UCS2-H) to Unicode; without them Chinese text on a sheet is not drawn at all.
  pdfjsLib.getDocument({
    url: box.dataset.src,
    withCredentials: true,
    cMapUrl: "/static/pdfjs/cmaps/",
    cMapPacked: true,
    standardFontDataUrl: "/static/pdfjs/standard_fonts/",
  }).promise.then((loaded) => {
    doc = loaded;
    render();
  }).catch((err) => { status.textContent = "PDF 无法显示：" + err.message; });
}
