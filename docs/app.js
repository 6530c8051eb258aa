// The demo page: load the TF.js graph model written by the `convert` stage, predict on a picked image.
// Preprocessing mirrors xraylab/pipeline.py: pixels in [0, 1], greyscale when the model asks for one channel,
// bilinear resize with half-pixel centres (what tf.image.resize does in training).
"use strict";

const state = { model: null, meta: null };
const $ = (id) => document.getElementById(id);

async function loadModel() {
  try {
    const response = await fetch("model/meta.json");
    if (!response.ok) throw new Error(`model/meta.json: HTTP ${response.status}`);
    state.meta = await response.json();
    state.model = await tf.loadGraphModel("model/model.json");
    $("status").textContent = `Model ready: ${state.meta.model}.`;
    $("file").disabled = false;
    describeModel(state.meta);
  } catch (error) {
    $("status").textContent = `The model could not be loaded (${error.message}). Run \`dvc repro\` to build docs/model/.`;
  }
}

function describeModel(meta) {
  const test = (meta.test || {}).scores || {};
  const interval = (meta.test || {}).interval || {};
  const percent = (value) => (value == null ? "–" : `${(100 * value).toFixed(1)}%`);
  const score = (name) => {
    const range = interval[name];
    return range ? `${percent(test[name])} (${percent(range[0])}–${percent(range[1])})` : percent(test[name]);
  };
  const confidence = meta.confidence ? ` (${Math.round(100 * meta.confidence)}% intervals)` : "";
  $("model-card").textContent =
    `${meta.model}, ${meta.image_size}×${meta.image_size} px ${meta.channels === 1 ? "greyscale" : "RGB"}, ` +
    `chosen by ${meta.selected_by}, data source “${meta.data_source}”. On its test split${confidence}: ` +
    `accuracy ${score("accuracy")}, sensitivity ${score("sensitivity")}, specificity ${score("specificity")}, ` +
    `ROC AUC ${test.roc_auc == null ? "–" : test.roc_auc.toFixed(3)}.`;
  $("positive-name").textContent = meta.class_names[1];
}

function probabilityOf(image) {
  const { image_size: size, channels } = state.meta;
  return tf.tidy(() => {
    let pixels = tf.browser.fromPixels(image, 3).toFloat().div(255);
    if (channels === 1) pixels = tf.image.rgbToGrayscale(pixels);
    pixels = tf.image.resizeBilinear(pixels, [size, size], false, true);
    const output = state.model.predict(pixels.expandDims(0));
    return output.dataSync()[0];
  });
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
  $("result").hidden = true;
}

function showPrediction(probability) {
  const { class_names: names, threshold } = state.meta;
  const positive = probability >= threshold;
  $("label").textContent = positive ? names[1] : names[0];
  $("label").className = positive ? "positive" : "negative";
  $("probability").textContent = probability.toFixed(4);
  $("bar-fill").style.width = `${(100 * probability).toFixed(1)}%`;
  $("bar-threshold").style.left = `${(100 * threshold).toFixed(1)}%`;
  $("threshold-note").textContent = `Called ${names[1]} at a probability of ${threshold} or more.`;
  $("error").hidden = true;
  $("result").hidden = false;
}

function onFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  const url = URL.createObjectURL(file);  // a local blob: the image is never uploaded
  const preview = $("preview");
  preview.onload = () => {
    try {
      showPrediction(probabilityOf(preview));
    } catch (error) {
      showError(`Could not run the model on ${file.name}: ${error.message}`);
    }
  };
  preview.onerror = () => showError(`${file.name} is not an image this browser can read. Pick a JPEG or PNG X-ray.`);
  preview.src = url;
}

$("file").addEventListener("change", onFile);
loadModel();
