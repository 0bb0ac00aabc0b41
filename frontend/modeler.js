// window.ProcessModeler.open({...}): the bpmn-js modeler with the Camunda 7 properties panel,
// bpmnlint warnings in the editor and the server's validation errors marked on their elements.
import Modeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import LintModule from 'bpmn-js-bpmnlint';
import bpmnlintConfig from 'bpmnlint-config';
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import './diagram.css';
import './modeler.css';
import TranslateZhModule from './translate-zh';

function markServerErrors(modeler, errors) {
  const registry = modeler.get('elementRegistry');
  const canvas = modeler.get('canvas');
  const overlays = modeler.get('overlays');
  (errors || []).forEach(({ element, message }) => {
    if (!element || !registry.get(element)) {
      return;
    }
    canvas.addMarker(element, 'server-error');
    const note = document.createElement('div');
    note.className = 'server-error-note';
    note.dataset.element = element;
    note.textContent = message;
    overlays.add(element, 'server-error', { position: { bottom: -6, left: 0 }, html: note });
  });
}

// Hand-written BPMN (and some tools) omit <incoming>/<outgoing>; bpmnlint and Camunda Modeler expect them.
function linkFlows({ elementsById }) {
  Object.values(elementsById || {}).forEach((element) => {
    if (element.$type !== 'bpmn:SequenceFlow' || !element.sourceRef || !element.targetRef) {
      return;
    }
    const outgoing = element.sourceRef.get('outgoing');
    const incoming = element.targetRef.get('incoming');
    if (!outgoing.includes(element)) {
      outgoing.push(element);
    }
    if (!incoming.includes(element)) {
      incoming.push(element);
    }
  });
}

function reportLint(modeler, status) {
  if (!status) {
    return;
  }
  modeler.on('linting.completed', ({ issues }) => {
    const all = Object.values(issues).flat();
    const errors = all.filter((issue) => issue.category === 'error').length;
    status.textContent = all.length
      ? `规范检查：${errors} 个错误、${all.length - errors} 个警告（见图中标记）` : '规范检查：没有问题';
    status.dataset.lintIssues = String(all.length);
    status.dataset.lintErrors = String(errors);
  });
}

function saveOnSubmit(modeler, form, field) {
  if (!form || !field) {
    return;
  }
  form.addEventListener('submit', async (event) => {
    if (form.dataset.saved === 'true') {
      return;
    }
    event.preventDefault();
    await new Promise((resolve) => setTimeout(resolve, 400)); // the properties panel debounces typing
    const { xml } = await modeler.saveXML({ format: true });
    field.value = xml;
    form.dataset.saved = 'true';
    form.requestSubmit(event.submitter || undefined);
  });
}

// Fit the diagram to the screen, left of it the palette's width kept clear so no element lies under the palette.
function fitBesidePalette(modeler, container) {
  const canvas = modeler.get('canvas');
  canvas.zoom('fit-viewport');
  const palette = container.querySelector('.djs-palette');
  const box = canvas.viewbox();
  if (!palette || !box.inner.width || !box.inner.height) {
    return;
  }
  const margin = 24;
  const left = palette.getBoundingClientRect().right - container.getBoundingClientRect().left + margin;
  const width = container.clientWidth - left - margin;
  const height = container.clientHeight - 2 * margin;
  if (width <= 0 || height <= 0) {
    return;
  }
  const scale = Math.min(width / box.inner.width, height / box.inner.height, 1);
  canvas.viewbox({
    x: box.inner.x - left / scale,
    y: box.inner.y - (container.clientHeight / scale - box.inner.height) / 2,
    width: container.clientWidth / scale,
    height: container.clientHeight / scale,
  });
}

// The candidate-groups field offers the organisation's roles (a <datalist> the page renders from the org model).
function offerGroups(panel, listId) {
  if (!panel || !listId || !document.getElementById(listId)) {
    return;
  }
  const attach = () => panel.querySelectorAll('#bio-properties-panel-candidateGroups').forEach((input) => {
    if (input.getAttribute('list') !== listId) {
      input.setAttribute('list', listId);
      input.setAttribute('autocomplete', 'off');
    }
  });
  new MutationObserver(attach).observe(panel, { childList: true, subtree: true });
  attach();
}

// A multi-instance's `loopDataOutputRef` names the variable it collects into (as the service reads it); bpmn-js
// resolves it as the id of a data element and drops it on save when no element has that id, which would make the
// activity a plain multi-instance. Declare the data object it names in the activity's process, so it is kept (the
// shipped processes declare it themselves; versions deployed before they did, do not).
function keepCollectedOutputs(modeler, warnings) {
  const moddle = modeler.get('moddle');
  for (const { element, property, value } of warnings || []) {
    const container = element && element.$parent && element.$parent.$parent;
    if (property !== 'bpmn:loopDataOutputRef' || !value || !container || !container.get('flowElements')) {
      continue;
    }
    const dataObject = moddle.create('bpmn:DataObject', { id: value, isCollection: true });
    dataObject.$parent = container;
    container.get('flowElements').push(dataObject);
    if (moddle.ids && !moddle.ids.assigned(value)) {
      moddle.ids.claim(value, dataObject);
    }
    element.set('loopDataOutputRef', dataObject);
  }
}

async function open({ canvas, panel, xml, errors, form, field, lintStatus, groupList }) {
  const modeler = new Modeler({
    container: canvas,
    propertiesPanel: { parent: panel },
    linting: { bpmnlint: bpmnlintConfig, active: true },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      LintModule,
      TranslateZhModule,
    ],
    moddleExtensions: { camunda: camundaModdle },
  });
  reportLint(modeler, lintStatus);
  modeler.on('import.parse.complete', linkFlows);
  try {
    const { warnings } = await modeler.importXML(xml);
    keepCollectedOutputs(modeler, warnings);
  } catch (err) {
    canvas.textContent = `流程图无法打开：${err.message}`;
    canvas.classList.add('diagram-error');
    return modeler;
  }
  fitBesidePalette(modeler, canvas);
  offerGroups(panel, groupList);
  markServerErrors(modeler, errors);
  saveOnSubmit(modeler, form, field);
  canvas.dataset.modelerReady = 'true';
  window.currentModeler = modeler;
  return modeler;
}

window.ProcessModeler = { open };
