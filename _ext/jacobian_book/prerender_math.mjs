// TeX to MathJax CommonHTML, at build time: prerender_math.py runs this once per build.
//
//   node prerender_math.mjs MATHJAX_FULL_DIR < request.json > reply.json
//
// request: {"scale": 1.273, "pages": [{"font_url": "...", "math": [{"tex": "...",
// "display": true}, ...]}, ...]}; reply: {"pages": [{"html": ["<mjx-container ...>", ...],
// "css": "...", "errors": ["TeX: message", ...]}, ...]}, in the same order.
// The engine is mathjax-full 3.2.2, the version of the runtime MathJax the book
// used to load (sphinx-mathjax-offline's tex-chtml.js), with its assistive MathML.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

const root = resolve(process.argv[2]);
const require = createRequire(`${root}/`);
const load = (path) => require(`${root}/js/${path}`);

const { mathjax } = load("mathjax.js");
const { TeX } = load("input/tex.js");
const { CHTML } = load("output/chtml.js");
const { liteAdaptor } = load("adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = load("handlers/html.js");
const { AssistiveMmlHandler } = load("a11y/assistive-mml.js");
// What tex-chtml.js loads or autoloads for the book's TeX. No noundefined: an
// unknown macro is an error reported to the build, not red text on the page.
const PACKAGES = ["base", "ams", "newcommand", "configmacros", "boldsymbol", "cancel",
  "color", "braket", "bbox", "enclose", "mathtools", "unicode", "verb"];
for (const [folder, name] of [["ams", "Ams"], ["newcommand", "Newcommand"],
  ["configmacros", "ConfigMacros"], ["boldsymbol", "Boldsymbol"], ["cancel", "Cancel"],
  ["color", "Color"], ["braket", "Braket"], ["bbox", "Bbox"], ["enclose", "Enclose"],
  ["mathtools", "Mathtools"], ["unicode", "Unicode"], ["verb", "Verb"]]) {
  load(`input/tex/${folder}/${name}Configuration.js`);
}

const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));

function renderPage(page, scale) {
  const errors = [];
  const tex = new TeX({
    packages: PACKAGES,
    formatError: (jax, error) => {
      errors.push(`${error.message} in ${JSON.stringify(jax.latex)}`);
      return jax.formatError(error);
    },
  });
  // One output jax per page: its style sheet then has the page's characters only.
  const chtml = new CHTML({ fontURL: page.font_url, adaptiveCSS: true });
  const doc = mathjax.document("", { InputJax: tex, OutputJax: chtml });
  // The browser scaled the math so its x-height matches the text's (matchFontHeight):
  // the same scale, given here, sets the same font-size on each container.
  const metrics = { em: 16, ex: 16 * 0.442 * scale, containerWidth: 1280, scale };
  const html = page.math.map(({ tex: source, display }) => {
    const node = doc.convert(source, { display, ...metrics });
    // A display equation wider than a phone scrolls sideways, and a keyboard
    // must reach it (axe: scrollable-region-focusable). The runtime MathJax's
    // menu made every equation focusable; here only those that can scroll.
    if (display) adaptor.setAttribute(node, "tabindex", "0");
    return adaptor.outerHTML(node);
  });
  const css = adaptor.textContent(chtml.styleSheet(doc));
  return { html, css, errors };
}

const request = JSON.parse(readFileSync(0, "utf-8"));
const reply = { pages: request.pages.map((page) => renderPage(page, request.scale)) };
process.stdout.write(JSON.stringify(reply));
