// Inlined at the end of each page by _ext/jacobian_book/page_weight.py: the
// page's deferred scripts (tips, Live Code, the theme's menus and theme switch),
// written as <script type="text/x-after-paint" data-src=...>, start once the
// first screen is painted instead of before it. They run in their order, with
// their own attributes, as deferred scripts did.
(() => {
  "use strict";
  // <html data-after-paint="ran"> once every one has run: what a test (or a
  // script of the reader's) waits for before it uses the page's buttons.
  const ran = () => { document.documentElement.dataset.afterPaint = "ran"; };
  function run() {
    const waiting = [...document.querySelectorAll('script[type="text/x-after-paint"]')];
    if (!waiting.length) ran();
    waiting.forEach((old, index) => {
      const script = document.createElement("script");
      for (const { name, value } of old.attributes) {
        if (name !== "type" && name !== "data-src") script.setAttribute(name, value);
      }
      script.src = old.dataset.src;
      script.async = false;
      // sphinx-tippy makes its tips in window.onload, which may be over by now.
      if (index === waiting.length - 1) {
        script.onload = () => {
          if (document.readyState === "complete" && window.onload) window.onload();
          ran();
        };
        script.onerror = ran;
      }
      old.replaceWith(script);
    });
  }
  // The first contentful paint's entry arrives once that frame is on screen
  // (a frame callback can come long before, on a busy machine). Without paint
  // timing, a task queued from a frame callback runs just after that frame.
  function start() {
    if (document.hidden) return run();
    if (!PerformanceObserver.supportedEntryTypes?.includes("paint")) {
      return requestAnimationFrame(() => setTimeout(run));
    }
    new PerformanceObserver((list, observer) => {
      if (list.getEntriesByName("first-contentful-paint").length) {
        observer.disconnect();
        run();
      }
    }).observe({ type: "paint", buffered: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
