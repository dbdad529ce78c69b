// Hover previews (sphinx-tippy, _ext/jacobian_book/tips.py): what every tip
// shares. sphinx-tippy creates the tips on window load; this runs before that.
(() => {
  if (typeof tippy === "undefined") return;
  tippy.setDefaultProps({
    // (interactive: true, so a pointer can move onto a tip without it
    // closing, is set in _config.yml's tippy_props: sphinx-tippy passes it.)
    // In <body>, not beside the link, so no table or scroller clips it.
    appendTo: () => document.body,
    // Interactive tips are not announced by default: the preview is the
    // link's description, read after its name.
    aria: { content: "describedby", expanded: false },
  });
  // sphinx-tippy makes a tip for every link at once, with its HTML: parsing it
  // all (solutions, typeset math) was one long task after the page appeared
  // (exercises: ~200 ms blocked on a phone). Each tip gets its HTML when first shown.
  const make = window.tippy;
  window.tippy = Object.assign((targets, props = {}) => {
    const { content, ...rest } = props;
    if (typeof content !== "string") return make(targets, props);
    return make(targets, {
      ...rest,
      content: "",
      onShow(instance) {
        if (instance.props.content === "") instance.setContent(content);
      },
    });
  }, make);
  // Escape hides the open tips without moving focus or pointer (WCAG 1.4.13).
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") tippy.hideAll({ duration: 0 });
  });
})();
