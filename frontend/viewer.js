// window.CaseDiagram.show(element, bpmnXml, {done, waiting, counts}): a read-only diagram of one
// process with the path a case took, where it waits, or (heatmap) how many cases wait per step.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './diagram.css';

function addMarkers(canvas, registry, ids, marker) {
  (ids || []).forEach((id) => {
    if (registry.get(id)) {
      canvas.addMarker(id, marker);
    }
  });
}

function countBadge(n, max) {
  const badge = document.createElement('div');
  badge.className = 'case-count';
  badge.textContent = String(n);
  badge.title = `等待中的案件：${n}`;
  const heat = max > 0 ? n / max : 0;
  badge.style.background = `hsl(${Math.round(45 - 45 * heat)}, 90%, ${Math.round(55 - 10 * heat)}%)`;
  return badge;
}

function addCounts(overlays, registry, counts) {
  const entries = Object.entries(counts || {}).filter(([id, n]) => n > 0 && registry.get(id));
  const max = Math.max(0, ...entries.map(([, n]) => n));
  entries.forEach(([id, n]) => {
    overlays.add(id, 'case-count', { position: { top: -12, right: 12 }, html: countBadge(n, max) });
  });
}

async function show(element, bpmnXml, marks = {}) {
  const viewer = new NavigatedViewer({ container: element });
  try {
    await viewer.importXML(bpmnXml);
  } catch (err) {
    element.textContent = `流程图无法显示：${err.message}`;
    element.classList.add('diagram-error');
    return viewer;
  }
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  canvas.zoom('fit-viewport');
  addMarkers(canvas, registry, marks.done, 'case-done');
  addMarkers(canvas, registry, marks.waiting, 'case-waiting');
  addCounts(viewer.get('overlays'), registry, marks.counts);
  element.dataset.diagramReady = 'true';
  return viewer;
}

window.CaseDiagram = { show };
