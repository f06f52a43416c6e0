// picomatch is loaded on first use, not at hook start-up: most sessions configure no ignore globs,
// and initializing picomatch cost every tool call ~0.5 ms. Written as CommonJS so the bundler keeps
// the require() inside the function (an ES import would be hoisted and run eagerly).
module.exports = function loadPicomatch() {
  return require('picomatch');
};
