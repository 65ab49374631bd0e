"""Sliders a keyboard and a screen reader can use, in JupyterLab and in Notebook 7.

ipywidgets draws a slider with noUiSlider, whose focusable handle (role="slider") has no accessible
name, and JupyterLab's notebook takes the arrow keys for itself (in Notebook 7 they move to another
cell). ``SliderKeys`` is an invisible widget placed in each explorer. In the browser it names every
slider handle in its explorer after the label beside it, focuses a handle when it is clicked, and
keeps the arrow, Home, End and Page keys pressed on a handle for the slider.
"""

import anywidget

__all__ = ["SliderKeys"]

_ESM = r"""
const KEYS = new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]);

function fix(root) {
  for (const slider of root.querySelectorAll(".widget-slider")) {
    const handle = slider.querySelector('[role="slider"]');
    if (!handle || handle.dataset.backpropLab) continue;
    const label = slider.querySelector(".widget-label");
    const name = (label && (label.textContent.trim() || label.title)) || slider.title || "slider";
    handle.setAttribute("aria-label", name);
    handle.dataset.backpropLab = "1";
    handle.addEventListener("keydown", (e) => { if (KEYS.has(e.key)) e.stopPropagation(); });
    handle.addEventListener("pointerdown", () => setTimeout(() => handle.focus(), 0));
  }
}

// The notebook's own shortcuts listen before the handle does (Notebook 7 at the document, in the
// capture phase) and skip an event whose default is prevented; the slider still moves.
function keepKeys(e) {
  if (KEYS.has(e.key) && e.target instanceof Element && e.target.dataset && e.target.dataset.backpropLab) {
    e.preventDefault();
  }
}
if (!globalThis.__backpropLabSliderKeys) {
  globalThis.__backpropLabSliderKeys = true;
  window.addEventListener("keydown", keepKeys, true);
}

function render({ el }) {
  el.style.display = "none";
  let watch = null;
  let tries = 0;
  const start = () => {  // the view may be drawn before it is placed in the page: wait for that
    const root = el.isConnected && (el.closest(".backprop-lab-explorer") || el.closest(".jp-OutputArea-output"));
    if (!root) {
      if (tries++ < 100) setTimeout(start, 100);
      return;
    }
    fix(root);
    watch = new MutationObserver(() => fix(root));
    watch.observe(root, { childList: true, subtree: true });
  };
  start();
  return () => watch && watch.disconnect();
}

export default { render };
"""


class SliderKeys(anywidget.AnyWidget):
    """An invisible helper: names each slider handle in its explorer and keeps its keys for the slider."""

    _esm = _ESM
