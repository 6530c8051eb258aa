// The demo page: load a TF.js graph model (the release model, or the one `dvc repro` converted), then
// predict on a picked or dropped image and draw its Grad-CAM heat-map, all inside this browser.
// Preprocessing mirrors xraylab/pipeline.py: pixels in [0, 1], greyscale when the model asks for one channel,
// and its antialiased two-step resize (to the 224 px film the models were trained on, then to the model's size),
// so an original film and its 224 px copy get the same answer.
"use strict";

// Where the two models live, relative to this page: `xraylab release` writes release/, the convert stage model/.
const MODELS = { release: "release/", pipeline: "model/" };
const state = { model: null, meta: null, folder: null, threshold: null, thresholdSource: "", refusedPrediction: null };
const $ = (id) => document.getElementById(id);
// What the last prediction produced, for people and tests reading the page from the console.
// `refused`: the gate's verdict when it refused the picture ({score, check, reason}), else null.
window.xraylab = { probability: null, heatmap: null, millis: null, model: null, threshold: null, refused: null, label: null };

// The file picker and the example buttons work only while a model is loaded.
function setInputsEnabled(enabled) {
  for (const input of [$("file"), ...document.querySelectorAll("[data-example]")]) input.disabled = !enabled;
}

async function loadModel(folder) {
  if (state.model) state.model.dispose();  // switching models: free the previous one's weights
  state.model = null;
  setInputsEnabled(false);
  $("result").hidden = true;
  $("refusal").hidden = true;
  setStatus(`<span class="spinner"></span> Loading the model… <span id="progress">0%</span>`);
  try {
    const response = await fetch(`${folder}meta.json`);
    if (!response.ok) throw new Error(`${folder}meta.json: HTTP ${response.status}`);
    const meta = await response.json();
    const model = await tf.loadGraphModel(`${folder}model.json`, {
      onProgress: (fraction) => { const shown = $("progress"); if (shown) shown.textContent = `${Math.round(100 * fraction)}%`; },
    });
    Object.assign(state, { model, meta, folder }, operatingThreshold(meta, await siteCalibration(folder, meta)));
    // One prediction on a blank picture compiles every kernel of the path now, so the first X-ray is fast.
    predict(blankPicture());
    Object.assign(window.xraylab, { model: meta.model, threshold: state.threshold });
    setStatus(`Model ready: ${meta.model} (${tf.getBackend()} backend).`);
    setInputsEnabled(true);
    describeModel(meta);
  } catch (error) {
    setStatus(error instanceof CalibrationError ? escapeHtml(error.message)
      : `The model could not be loaded (${error.message}). Run \`dvc repro\` to build docs/model/.`);
  }
}

class CalibrationError extends Error {}

// `xraylab calibrate` writes calibration.json beside the release: a threshold picked on a site's own films. It
// counts only for the exact model file it was made for (the same digest). One made for another file, or that is
// not a calibration, stops the page as it stops `xraylab predict` (xraylab/serve/calibration.py `threshold_for`):
// a site that calibrated must not silently get another threshold.
async function siteCalibration(folder, meta) {
  const response = await fetch(`${folder}calibration.json`).catch(() => null);
  if (!response || !response.ok) return null;
  const path = `${folder}calibration.json`;
  const name = folder === MODELS.release ? "release" : meta.model;  // as `xraylab predict --model` names it
  const remedy = `rerun \`xraylab calibrate <films> --model ${name}\`, or remove ${path} to use the model's own threshold`;
  const calibration = await response.json().catch(() => null);
  if (!calibration || typeof calibration.threshold !== "number" || typeof calibration.model_digest !== "string") {
    throw new CalibrationError(`${path} is not a calibration written by \`xraylab calibrate\`; ${remedy}`);
  }
  if (calibration.model_digest !== meta.model_digest) {
    throw new CalibrationError(`${path} was made for another version of model ${name} (its file has changed since); ${remedy}`);
  }
  return calibration;
}

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[character]);
}

function operatingThreshold(meta, calibration) {
  if (calibration) {
    const films = Object.entries(calibration.images).map(([name, count]) => `${count} ${name}`).join(", ");
    return { threshold: calibration.threshold,
             thresholdSource: `calibrated on your films, ${calibration.films} (${films}; rule ${calibration.rule})` };
  }
  if (meta.threshold_set) {
    return { threshold: meta.threshold,
             thresholdSource: `picked on target films, ${meta.threshold_set} (rule ${meta.threshold_rule.split(" ")[0]})` };
  }
  return { threshold: meta.threshold, thresholdSource: `picked on validation (rule ${meta.threshold_rule})` };
}

function setStatus(html) {
  $("status").innerHTML = html;
}

async function chooseModel() {
  // The release model when this site has one, else the pipeline's; ?model=pipeline|release picks one.
  const asked = new URLSearchParams(location.search).get("model");
  const hasRelease = (await fetch(`${MODELS.release}meta.json`, { method: "GET" }).catch(() => null))?.ok;
  const choice = asked in MODELS ? asked : hasRelease ? "release" : "pipeline";
  $("model-choice").value = choice;
  $("model-choice").querySelector('option[value="release"]').disabled = !hasRelease;
  return MODELS[choice];
}

function describeModel(meta) {
  const scores = (split) => (meta[split] || {}).scores || {};
  const intervals = (split) => (meta[split] || {}).interval || {};
  const percent = (value) => (value == null ? "–" : `${(100 * value).toFixed(1)}%`);
  const score = (split, name) => {
    const range = intervals(split)[name];
    const value = percent(scores(split)[name]);
    return range ? `${value} (${percent(range[0])}–${percent(range[1])})` : value;
  };
  const confidence = meta.confidence ? `, ${Math.round(100 * meta.confidence)}% intervals` : "";
  const split = meta.release ? "val" : "test";
  const auc = scores(split).roc_auc;
  let text =
    `${meta.model}, ${meta.image_size}×${meta.image_size} px ${meta.channels === 1 ? "greyscale" : "RGB"}, ` +
    `trained on ${meta.trained_on || `data source “${meta.data_source}”`}. ` +
    `On its ${split === "val" ? "patient-grouped validation split" : "test split"}${confidence}: ` +
    `accuracy ${score(split, "accuracy")}, sensitivity ${score(split, "sensitivity")}, ` +
    `specificity ${score(split, "specificity")}, ROC AUC ${auc == null ? "–" : auc.toFixed(3)}.`;
  // Films from elsewhere (evaluate.external), at the threshold the release ships with.
  for (const [name, part] of Object.entries(meta.external || {})) {
    const chose = name === meta.threshold_set;
    const at = (chose ? part.calibrated : part.at_val_threshold).scores;
    text += ` On ${part.count} target films (${name}${chose ? ", which chose the threshold: optimistic" : ""}): ` +
      `accuracy ${percent(at.accuracy)}, sensitivity ${percent(at.sensitivity)}, ` +
      `specificity ${percent(at.specificity)}, ROC AUC ${at.roc_auc.toFixed(3)}.`;
  }
  // Where the release was scored outside this project, on films that chose nothing: the figure to expect.
  const own = meta.independent;
  if (own) {
    text += ` Scored independently on ${own.films} held-back official test films at its threshold: ` +
      `accuracy ${percent(own.accuracy)}, sensitivity ${percent(own.sensitivity)}, ` +
      `specificity ${percent(own.specificity)}, ROC AUC ${own.roc_auc.toFixed(3)}.`;
  }
  const independent = (meta.replaces || {}).independent;
  if (independent) {
    text += ` It replaces ${meta.replaces.experiment}, which scored accuracy ${percent(independent.accuracy)}, ` +
      `specificity ${percent(independent.specificity)}, ROC AUC ${independent.roc_auc.toFixed(3)} independently ` +
      `on ${independent.films} held-back official test films.`;
  }
  $("model-card").textContent = text;
  $("positive-name").textContent = positiveName(meta.class_names);
  $("heatmap-controls").hidden = !meta.heatmap;
  $("no-heatmap").hidden = meta.heatmap;
}

// Runs the model on a picture at its own size (an ImageBitmap or canvas): the probability of the positive
// class and, if the model has them, the heat-map and the gate's scores (xraylab/serve/gate.py: each check over
// its threshold, computed inside the graph by the same operations as in Python).
function predict(picture) {
  const { image_size: size, channels } = state.meta;
  return tf.tidy(() => {
    let pixels = tf.browser.fromPixels(picture, 3).toFloat();
    if (channels === 1) pixels = tf.image.rgbToGrayscale(pixels);
    pixels = filmResize(pixels, size).div(255);
    const names = ["probability", ...(state.meta.heatmap ? ["heatmap"] : []), ...(state.meta.gate ? ["gate"] : [])];
    const outputs = state.model.execute(pixels.expandDims(0), names);
    const tensors = Object.fromEntries(names.map((name, index) => [name, Array.isArray(outputs) ? outputs[index] : outputs]));
    const values = Array.from(tensors.probability.dataSync());
    // One sigmoid unit gives P(positive); softmax heads give every class, and positive is "not class 0".
    return { probability: values.length === 1 ? values[0] : 1 - values[0], classes: values.length === 1 ? null : values,
             heatmap: tensors.heatmap ? tensors.heatmap.dataSync() : null,
             gate: tensors.gate ? Array.from(tensors.gate.dataSync()) : null };
  });
}

// xraylab/pipeline.py's triangle_weights: (size × length) weights of a triangle (bilinear) filter, widened by the
// scale when shrinking so every pixel counts (antialiasing); rows sum to 1, the identity at equal sizes.
const FILM_SIZE = 224;
function triangleWeights(length, size) {
  const scale = length / size;
  const centres = tf.range(0, size, 1, "float32").add(0.5).mul(scale);
  const positions = tf.range(0, length, 1, "float32").add(0.5);
  const distance = positions.expandDims(0).sub(centres.expandDims(1)).abs();
  const weights = tf.relu(tf.scalar(1).sub(distance.div(Math.max(scale, 1))));
  return weights.div(weights.sum(1, true));
}

// xraylab/pipeline.py's resize: as if resampled to the 224 px film, then to size × size; both steps are linear,
// so each axis takes one product of their weights (call inside tf.tidy).
function filmResize(image, size) {
  const [height, width] = image.shape;
  const film = triangleWeights(FILM_SIZE, size);
  const rows = tf.matMul(film, triangleWeights(height, FILM_SIZE));
  const columns = tf.matMul(film, triangleWeights(width, FILM_SIZE));
  const planes = tf.unstack(image, 2).map((plane) => tf.matMul(tf.matMul(rows, plane), columns, false, true));
  return tf.stack(planes, 2);
}

function blankPicture() {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 2 * state.meta.image_size;
  return canvas;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
  $("result").hidden = true;
  $("refusal").hidden = true;
}

// The gate's verdict, as `xraylab predict` gives it (xraylab/serve/gate.py Verdict): the largest check over its
// threshold; above 1 the picture is refused. null when the model has no gate or the picture passes.
function refusal(gate) {
  if (!gate || !state.meta.gate) return null;
  const worst = gate.indexOf(Math.max(...gate));
  if (gate[worst] <= 1) return null;
  const score = gate[worst];
  return { score, check: state.meta.gate.checks[worst],
           reason: `score ${score.toFixed(2)}, threshold 1.00: ${state.meta.gate.reasons[worst]}` };
}

// No probability and no heat-map for a refused picture: only why, and the offer to run the model anyway.
function showRefusal(prediction, refused) {
  state.refusedPrediction = prediction;
  Object.assign(window.xraylab, { label: null, refused });
  $("refusal-reason").textContent = `(${refused.reason})`;
  $("refusal").hidden = false;
  $("result").hidden = true;
  $("error").hidden = true;
}

// What the positive probability is the probability of: class 1 of two; of more (NORMAL, BACTERIA, VIRUS),
// pneumonia of any kind (xraylab/labels.py).
function positiveName(names) {
  return names.length === 2 ? names[1] : "PNEUMONIA";
}

// xraylab/labels.py's rule: positive at the threshold; of several classes, then the more probable kind.
function calledClass(names, probability, classes, threshold) {
  if (probability < threshold) return names[0];
  if (!classes) return names[1];
  let kind = 1;
  for (let index = 2; index < classes.length; index++) if (classes[index] > classes[kind]) kind = index;
  return names[kind];
}

// `forced`: the gate's verdict on a picture it refused, shown beside the answer the visitor asked for anyway.
function showPrediction({ probability, classes, heatmap }, forced = null) {
  const { class_names: names } = state.meta;
  const { threshold, thresholdSource } = state;
  const positive = probability >= threshold;
  const label = calledClass(names, probability, classes, threshold);
  Object.assign(window.xraylab, { label, classes, refused: forced });
  $("forced").hidden = !forced;
  if (forced) $("forced").textContent = `Run anyway: the check found this unlike a chest X-ray (${forced.reason}).`;
  $("label").textContent = label;
  $("label").className = positive ? "positive" : "negative";
  $("probability").textContent = probability.toFixed(4);
  $("kinds").hidden = !classes;
  if (classes) $("kinds").textContent = names.map((name, index) => `${name} ${classes[index].toFixed(4)}`).join(" · ");
  $("bar-fill").style.width = `${(100 * probability).toFixed(1)}%`;
  $("bar-threshold").style.left = `${(100 * threshold).toFixed(1)}%`;
  const kinds = classes ? `, then the more probable of ${names.slice(1).join(" and ")}` : "";
  $("threshold-note").textContent = `Called ${positiveName(names)} at a probability of ${threshold.toFixed(4)} or ` +
    `more${kinds}: a threshold ${thresholdSource}.`;
  $("heatmap").hidden = !heatmap;
  if (heatmap) drawHeatmap(heatmap, state.meta.image_size);
  $("error").hidden = true;
  $("refusal").hidden = true;
  $("result").hidden = false;
}

// The map in the "jet" colours of xraylab/explain/overlay.py, transparent where there is no evidence.
function drawHeatmap(values, size) {
  const canvas = $("heatmap");
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext("2d");
  const picture = context.createImageData(size, size);
  values.forEach((value, index) => {
    const [red, green, blue] = jet(value);
    picture.data.set([red, green, blue, Math.round(255 * Math.min(1, 1.5 * value))], 4 * index);
  });
  context.putImageData(picture, 0, 0);
}

function jet(value) {
  const channel = (offset) => Math.round(255 * Math.max(0, Math.min(1, 1.5 - Math.abs(4 * value - offset))));
  return [channel(3), channel(2), channel(1)];
}

function readFile(file) {
  if (!file || !state.model) return;
  const url = URL.createObjectURL(file);  // a local blob: the image is never uploaded
  const preview = $("preview");
  const started = performance.now();
  preview.onload = async () => {
    try {
      // The model reads the file's own pixel values, as Python does: no colour-profile conversion (an embedded
      // ICC profile moved a full-size film's probability by 0.27 against the same film in Python).
      const pixels = await createImageBitmap(file, { colorSpaceConversion: "none" });
      const prediction = predict(pixels);
      pixels.close();
      const refused = refusal(prediction.gate);
      if (refused) showRefusal(prediction, refused);
      else showPrediction(prediction);
      Object.assign(window.xraylab, prediction, { millis: performance.now() - started });
    } catch (error) {
      showError(`Could not run the model on ${file.name}: ${error.message}`);
    }
    URL.revokeObjectURL(url);
  };
  preview.onerror = () => {
    showError(`${file.name} is not an image this browser can read. Pick a JPEG or PNG X-ray.`);
    URL.revokeObjectURL(url);
  };
  preview.src = url;
}

function listenForDrops() {
  const zone = $("drop-zone");
  const stop = (event) => { event.preventDefault(); event.stopPropagation(); };
  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => { stop(event); zone.classList.add("dragging"); }));
  ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, (event) => { stop(event); zone.classList.remove("dragging"); }));
  zone.addEventListener("drop", (event) => readFile(event.dataTransfer.files[0]));
}

// An example film (docs/examples/) goes the same way as a chosen file.
async function readExample(button) {
  const response = await fetch(button.dataset.example);
  if (!response.ok) {
    showError(`The example ${button.dataset.example} could not be loaded (${response.status}).`);
    return;
  }
  const name = button.dataset.example.split("/").pop();
  readFile(new File([await response.blob()], name, { type: response.headers.get("Content-Type") || "image/jpeg" }));
}

$("file").addEventListener("change", (event) => readFile(event.target.files[0]));
document.querySelectorAll("[data-example]").forEach((button) => button.addEventListener("click", () => readExample(button)));
$("run-anyway").addEventListener("click", () => showPrediction(state.refusedPrediction, window.xraylab.refused));
$("opacity").addEventListener("input", (event) => { $("heatmap").style.opacity = event.target.value; });
$("model-choice").addEventListener("change", (event) => loadModel(MODELS[event.target.value]));
listenForDrops();
chooseModel().then(loadModel);
