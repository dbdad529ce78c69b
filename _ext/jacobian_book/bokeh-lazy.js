/*
 * BokehJS when the reader gets near a Bokeh figure, not with the page.
 *
 * _ext/jacobian_book/bokeh_static.py turns each Bokeh embed script of the page
 * into <script type="text/x-bokeh-deferred"> and adds this file, whose
 * data-bundles names the BokehJS files (relative to this file). They load,
 * and the embed scripts run, when a figure comes within LOAD_MARGIN of the
 * viewport, or at once on a click or Enter on the "Load" button over it.
 * The figure's box has its final size before (live_explorer.py's CSS), so
 * nothing moves when it is drawn.
 */
(() => {
  "use strict";

  // About two phone screens: the figure is ready before a reader scrolls to it.
  const LOAD_MARGIN = "1600px 0px";
  const me = document.currentScript;
  const bundles = me.dataset.bundles.split(" ").map((name) => new URL(name, me.src).href);
  const deferred = [...document.querySelectorAll('script[type="text/x-bokeh-deferred"]')];
  const boxes = [...document.querySelectorAll(".jacobian-live")];
  let started = null;

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      // Fetched in parallel, run in order: the widgets need the core.
      script.async = false;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.append(script);
    });
  }

  function start() {
    if (started) return started;
    observer.disconnect();
    document.documentElement.dataset.bokeh = "loading";
    started = Promise.all(bundles.map(loadScript)).then(() => {
      for (const old of deferred) {
        const script = document.createElement("script");
        script.textContent = old.textContent;
        old.replaceWith(script);
      }
      document.querySelectorAll(".jl-load").forEach((button) => button.remove());
      document.documentElement.dataset.bokeh = "loaded";
    }).catch((error) => {
      console.error("BokehJS:", error);
      document.documentElement.dataset.bokeh = "failed";
    });
    return started;
  }

  const observer = new IntersectionObserver(
    (entries) => { if (entries.some((entry) => entry.isIntersecting)) start(); },
    { rootMargin: LOAD_MARGIN },
  );
  for (const box of boxes) {
    observer.observe(box);
    const grid = box.querySelector(".jl-grid");
    if (!grid) continue;
    // Over the figures' reserved box, so it moves nothing in or out.
    const button = document.createElement("button");
    button.type = "button";
    button.className = "jl-load";
    button.textContent = "Load the live figure";
    button.addEventListener("click", () => {
      button.textContent = "Loading the live figure…";
      start();
    });
    grid.append(button);
  }
  // A figure not in a .jacobian-live box: no reserved box to watch, load now.
  if (!boxes.length && deferred.length) start();
})();
