/*
 * Live Code: the page's code cells become editors that run in a kernel, in place.
 *
 * _ext/jacobian_book/live_code.py copies the pinned Thebe (and the require.js it
 * needs) into the site's _static/ and writes this page's settings into
 * <script id="jacobian-live-code">. sphinx-book-theme's "Live Code" button
 * calls initThebeSBT(), which calls initThebe() (defined here).
 */
(() => {
  "use strict";

  const settings = JSON.parse(document.getElementById("jacobian-live-code").textContent);
  // sphinx-mathjax-offline's copy, in _static/ beside this file.
  const mathjaxUrl = new URL("mathjax/tex-chtml.js", document.currentScript.src).href;
  let launched = null;

  /** The status line under the page's title; replaces the empty button the theme inserts. */
  function statusLine() {
    const line = document.createElement("p");
    // initThebeSBT() inserts a button unless the title's next element has this class.
    line.className = "thebe-launch-button jb-live-status";
    line.setAttribute("role", "status");
    const title = document.querySelector("section h1") || document.querySelector("h1");
    const placeholder = title && title.nextElementSibling;
    if (placeholder && placeholder.classList.contains("thebe-launch-button")) {
      placeholder.replaceWith(line);
    } else if (title) {
      title.insertAdjacentElement("afterend", line);
    } else {
      document.querySelector("main, body").prepend(line);
    }
    return line;
  }

  function loadScript(src, integrity) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      if (integrity) {
        script.integrity = integrity;
        script.crossOrigin = "anonymous";
      }
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${src} (or its hash differs)`));
      document.head.appendChild(script);
    });
  }

  function loadStyle(href) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }

  /** Thebe fetches require.js from a CDN before it renders a widget: serve the book's copy. */
  function requireJsFromBook() {
    const pageFetch = window.fetch.bind(window);
    window.fetch = (resource, init) =>
      pageFetch(resource === settings.requirejsCdn ? settings.requirejs : resource, init);
  }

  /**
   * Mark the code cells for Thebe; return them in page order.
   *
   * Thebe pairs the i-th [data-executable] with the i-th [data-output] of the
   * page, so every cell gets an output element of its own (an empty one when
   * the build produced no output), and nothing outside a cell is marked. A
   * cell whose input the page does not show (remove-input) is left as it is.
   */
  function markCells() {
    const cells = [];
    document.querySelectorAll("div.cell").forEach((cell) => {
      const source = cell.querySelector(".cell_input pre");
      if (!source) return;
      let output = cell.querySelector(".cell_output");
      if (!output) {
        output = document.createElement("div");
        output.className = "cell_output docutils container";
        cell.append(output);
      }
      source.setAttribute("data-executable", "true");
      source.setAttribute("data-language", "python");
      output.setAttribute("data-output", "");
      // The build's text alternatives of this cell's figures, for the live ones.
      cell.liveCodeAlts = [...output.querySelectorAll("img")].map((img) => img.alt);
      cell.querySelectorAll("button.copybtn").forEach((button) => button.remove());
      cells.push(cell);
    });
    return cells;
  }

  /** "$x$" and "$$x$$" as MathJax 3 reads them by default, "\(x\)" and "\[x\]". */
  function mathjax3Delimiters(tex) {
    return tex
      .replace(/\$\$([\s\S]+?)\$\$/g, "\\[$1\\]")
      .replace(/\$([^$]+?)\$/g, "\\($1\\)");
  }

  /**
   * The page's MathJax 3: its equations were typeset when the book was built
   * (_ext/jacobian_book/prerender_math.py), so the page loads none; the book's
   * own copy is loaded the first time an output needs it.
   */
  let mathjaxLoaded = null;
  function bookMathJax() {
    if (window.MathJax && typeof window.MathJax.typesetPromise === "function") {
      return Promise.resolve(window.MathJax);
    }
    // Without prerendered math the page loads MathJax itself: wait for it.
    const own = document.querySelector('script[src*="mathjax/tex-chtml"]');
    if (!mathjaxLoaded && own) {
      mathjaxLoaded = new Promise((resolve) => {
        if (window.MathJax && window.MathJax.startup) resolve();
        else own.addEventListener("load", resolve);
      }).then(() => window.MathJax.startup.promise).then(() => window.MathJax);
    }
    if (!mathjaxLoaded) {
      window.MathJax = {
        // What _config.yml's mathjax3_config says: the MathML screen readers speak.
        options: { enableAssistiveMml: true, menuOptions: { settings: { assistiveMml: true } } },
        startup: { typeset: false },
      };
      mathjaxLoaded = loadScript(mathjaxUrl).then(() => window.MathJax.startup.promise)
        .then(() => window.MathJax);
    }
    return mathjaxLoaded;
  }

  function typeset(node) {
    // The page's sections say mathjax_ignore; an output opts back in.
    node.classList.add("mathjax_process");
    return bookMathJax().then((mathjax) => mathjax.typesetPromise([node]))
      .catch((error) => console.error("MathJax:", error));
  }

  /**
   * Math in live outputs is typeset by the page's MathJax 3 (Thebe's own
   * typesetter is MathJax 2 from a CDN, switched off with mathjaxUrl: "").
   */
  function useBookMathJax(rendermime) {
    rendermime.latexTypesetter = { typeset };
    if (rendermime.mimeTypes.includes("text/latex")) return;
    const Text = rendermime.createRenderer("text/plain").constructor;
    class RenderedLatex extends Text {
      render(model) {
        this.node.textContent = mathjax3Delimiters(String(model.data["text/latex"]));
        return typeset(this.node);
      }
    }
    // Rank 70, JupyterLab's for LaTeX: preferred to text/plain (120).
    rendermime.addFactory(
      { safe: true, mimeTypes: ["text/latex"], createRenderer: (options) => new RenderedLatex(options) },
      70,
    );
  }

  /** Name each code editor for screen readers (CodeMirror's input has no label). */
  function labelEditors(cells) {
    cells.forEach((cell, index) => {
      const input = cell.querySelector(".thebe-cell .CodeMirror textarea");
      if (input) {
        input.setAttribute("aria-label", `Code cell ${index + 1}: edit, then Shift+Enter to run`);
      }
    });
  }

  /**
   * Live outputs come without the text alternatives that the build gave the
   * figures, and ipywidgets 8 names neither its slider handles nor its images:
   * a figure takes the alt text of the build's figure at the same place in the
   * same cell (the same code draws it), a widget image its tooltip, and a
   * slider handle its widget's own label. A text output wider than its cell
   * scrolls sideways: it gets a tab stop and a name, as the theme gives the
   * page's own scrolling outputs (axe: scrollable-region-focusable).
   */
  function describeOutputs(cells) {
    const fallback = "Figure drawn by the cell above; run the cell again to redraw it.";
    cells.forEach((cell) => {
      const alts = cell.liveCodeAlts || [];
      cell.querySelectorAll(".thebe-output img:not([alt])").forEach((img, index) => {
        img.alt = img.title || alts[index] || fallback;
      });
      cell.querySelectorAll(".thebe-output .widget-slider").forEach((slider) => {
        const handle = slider.querySelector("[role=slider]:not([aria-label])");
        const label = slider.querySelector(".widget-label");
        const name = label ? label.textContent.trim() : "";
        if (handle && name) handle.setAttribute("aria-label", name);
      });
      cell.querySelectorAll(".thebe-output pre:not([tabindex])").forEach((pre) => {
        if (pre.scrollWidth <= pre.clientWidth) return;
        pre.tabIndex = 0;
        pre.setAttribute("role", "region");
        pre.setAttribute("aria-label", "Output (scrolls sideways)");
      });
    });
  }

  /**
   * The restart buttons. thebe 0.9.3's "restart & run all" runs all without
   * restarting, and neither button waits for the new kernel: the old kernel's
   * last "idle" arrives before the new socket is open, and a cell run in that
   * gap is sent down the old socket and never finishes. Both buttons here
   * keep the page "restarting" (run buttons busy) until the new kernel is
   * connected.
   */
  function restartButtons(thebe, notebook, live) {
    const restart = async (runAll) => {
      notebook.cells.forEach(({ id }) => thebe.setButtonsBusy(id));
      live.set("restarting");
      try {
        await notebook.session.kernel.restart();
        if (runAll) await notebook.executeAll();
        live.set("ready");
      } catch (error) {
        live.set("failed", error);
      } finally {
        notebook.cells.forEach(({ id }) => thebe.clearButtonsBusy(id));
      }
    };
    document.querySelectorAll(".thebe-restart-button").forEach((button) => {
      button.onclick = () => restart(false);
    });
    // Shift+Enter reaches the editor, not the busy buttons: hold it too. The
    // capture phase on the document runs before CodeMirror's own handler.
    document.addEventListener("keydown", (event) => {
      if (live.state !== "restarting" || event.key !== "Enter" || !event.shiftKey) return;
      if (!event.target.closest || !event.target.closest(".thebe-cell")) return;
      event.preventDefault();
      event.stopPropagation();
      live.say("Live Code: the kernel is still restarting; run the cell again when it is ready.");
    }, true);
    document.querySelectorAll(".thebe-restartall-button").forEach((button) => {
      button.onclick = () => restart(true);
    });
  }

  async function runOnStart(thebe, notebook, cells) {
    for (const cell of cells) {
      if (!cell.matches(".tag_thebe-init, .thebe-init")) continue;
      const box = cell.querySelector(".thebe-cell");
      const live = box && notebook.getCellById(box.getAttribute("data-thebe-id"));
      if (!live) continue;
      thebe.setButtonsBusy(live.id);
      await live.execute(live.source);
      thebe.clearButtonsBusy(live.id);
    }
  }

  async function launch(line) {
    // Only a change is written: the line is a live region, read out on each change.
    const say = (text) => { if (line.textContent !== text) line.textContent = text; };
    say(`Live Code: loading Thebe ${settings.version}…`);
    requireJsFromBook();
    loadStyle(settings.css);
    await loadScript(settings.thebe, settings.integrity);
    const thebe = window.thebe;
    const cells = markCells();
    const page = thebe.getPageConfig();
    const kernel = page.kernelOptions || {};
    const where = page.useBinder === false ? "the Jupyter server" : "mybinder.org";
    const readyText = "Live Code: the kernel is ready. Edit a cell, then press its “run” " +
      "button or Shift+Enter; “run all” also runs the hidden set-up cells.";
    // The page's state (body[data-live-code]) and the status line, changed together.
    const live = {
      state: "starting",
      say,
      set(state, detail) {
        this.state = state;
        document.body.setAttribute("data-live-code", state);
        if (state === "ready") say(readyText);
        else if (state === "restarting") say(`Live Code: restarting the Python kernel on ${where}…`);
        else if (state === "failed") say(`Live Code stopped: ${detail || "reload the page to try again"}`);
      },
    };
    thebe.on("status", (_event, { subject, status, message }) => {
      // A restart button speaks for itself; after a failure, nothing changes the line.
      if (live.state === "restarting" || live.state === "failed") return;
      // thebe reports a socket that reconnects (kernel status "unknown") as a
      // session "shutdown" too; only a dead or disposed kernel has stopped.
      const kernel = thebe.session && thebe.session.kernel;
      const stopped = subject === "session" && status === "shutdown"
        && (!kernel || kernel.isDisposed || kernel.status === "dead");
      if (status === "error" || status === "failed" || stopped) {
        live.set("failed", `${status}: ${message || "reload the page to try again"}`);
      } else if (live.state === "starting") {
        if (subject === "server") say(`Live Code: ${where}: ${message || status}`);
        else if (subject === "session" && status === "starting") {
          say(`Live Code: starting the Python kernel on ${where}…`);
        }
      } else if (subject === "session") {
        // The kernel restarted itself (it died), or its socket reconnects.
        if (status === "ready") say(readyText);
        else if (status === "starting") say(`Live Code: the kernel restarts on ${where}…`);
        else say(`Live Code: reconnecting to the kernel on ${where}…`);
      }
    });
    const started = thebe.bootstrap({
      useBinder: page.useBinder !== false,
      requestKernel: true,
      // sphinx-thebe writes thebe 0.8's "name"; thebe 0.9 reads "kernelName".
      kernelOptions: { ...kernel, kernelName: kernel.kernelName || kernel.name || "python3" },
      mathjaxUrl: "",
      codeMirrorConfig: { theme: "default" },
    });
    // bootstrap() builds the notebook before its first wait, so it exists now.
    useBookMathJax(thebe.notebook.rendermime);
    labelEditors(cells);
    new MutationObserver(() => describeOutputs(cells))
      .observe(document.body, { childList: true, subtree: true });
    const { notebook, session } = await started;
    if (!session) throw new Error(`no kernel from ${where}`);
    restartButtons(thebe, notebook, live);
    await runOnStart(thebe, notebook, cells);
    live.set("ready");
  }

  window.initThebe = () => {
    if (launched) return launched;
    const line = statusLine();
    document.body.setAttribute("data-live-code", "starting");
    launched = launch(line).catch((error) => {
      console.error("Live Code:", error);
      line.textContent = `Live Code failed: ${error.message || error}`;
      document.body.setAttribute("data-live-code", "failed");
    });
    return launched;
  };
})();
