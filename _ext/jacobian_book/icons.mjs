// The theme's Font Awesome icons as inline SVG, at build time: icons.py runs this once per build.
//
//   node icons.mjs FONTAWESOME_JS < request.json > reply.json
//
// request: {"icons": [{"prefix": "fas", "classes": ["fa-sun", "theme-switch", "fa-lg"],
// "attributes": {"data-mode": "light"}}, ...]}; reply: {"svg": ["<svg ...>", ...]
// (null where no class names an icon), "css": "..."}. FONTAWESOME_JS is the theme's own
// scripts/fontawesome.js (Font Awesome's all.min.js), so the SVG is the one it
// would have drawn in the browser; it runs here with just enough of a window.
import { readFileSync } from "node:fs";
import vm from "node:vm";

const noop = () => {};
const element = () => ({ setAttribute: noop, getAttribute: () => null, appendChild: noop,
  insertBefore: noop, style: {}, classList: { add: noop }, childNodes: [] });
const document = { documentElement: element(), head: element(), body: element(),
  readyState: "loading", addEventListener: noop, querySelector: () => null,
  querySelectorAll: () => [], getElementsByTagName: () => [], createElement: element,
  createElementNS: element };
const window = { document, addEventListener: noop, performance: { mark: noop, measure: noop },
  MutationObserver: function () { return { observe: noop, disconnect: noop }; } };
window.window = window;
const context = vm.createContext({ window, document, navigator: { userAgent: "" }, setTimeout,
  MutationObserver: window.MutationObserver, performance: window.performance });
vm.runInContext(readFileSync(process.argv[2], "utf-8"), context);
const FA = window.FontAwesome;

const request = JSON.parse(readFileSync(0, "utf-8"));
const svg = request.icons.map(({ prefix, classes, attributes }) => {
  // The icon is the first fa-* class that names one (fa-lg does not); FA adds
  // its canonical class (fa-pencil-alt draws fa-pencil), the others stay.
  const found = classes.find((name) => name.startsWith("fa-")
    && FA.findIconDefinition({ prefix, iconName: name.slice(3) }));
  if (!found) return null;
  const definition = FA.findIconDefinition({ prefix, iconName: found.slice(3) });
  const extra = classes.filter((name) => name !== found);
  return FA.icon(definition, { classes: extra, attributes }).html.join("");
});
process.stdout.write(JSON.stringify({ svg, css: FA.dom.css() }));
