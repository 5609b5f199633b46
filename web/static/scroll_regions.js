// A table wider than its box scrolls inside .table-wrap (phones, #14 item 10). Keyboard users
// must reach that scroll too: a wrap that overflows becomes a named, focusable region (arrow
// keys scroll it); one that fits stays out of the tab order.
"use strict";
(function () {
  function mark() {
    document.querySelectorAll(".table-wrap").forEach((wrap) => {
      const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        const section = wrap.closest("section, .card");
        const heading = section && section.querySelector("h1, h2, h3, caption");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", (heading ? heading.textContent.trim() + "：" : "") + "表格，可左右滚动");
        wrap.dataset.scrollRegion = "1";
      } else if (!scrolls && wrap.dataset.scrollRegion) {
        ["tabindex", "role", "aria-label", "data-scroll-region"].forEach((a) => wrap.removeAttribute(a));
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
  document.addEventListener("htmx:afterSettle", mark); // results swapped in by HTMX
})();
