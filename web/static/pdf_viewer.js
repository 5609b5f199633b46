// PDF sheets drawn page by page with PDF.js (vendored in /static/pdfjs, see README.txt there);
// zoom, page navigation, review comments pinned by clicking (PDF user-space coordinates).
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
  const NS = "http://www.w3.org/2000/svg";
  let doc = null, pageNo = 1, zoom = 1, viewport = null, pending = null;

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
  }

  canvas.addEventListener("click", (e) => {
    if (!form || !viewport) return;
    const rect = canvas.getBoundingClientRect();
    const [x, y] = viewport.convertToPdfPoint(e.clientX - rect.left, e.clientY - rect.top);
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
