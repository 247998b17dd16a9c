/**
 * Preloaded into a sidecar child by the soak (`node --expose-gc --require heap-reporter.cjs dist/index.js`):
 * on each "sample" message over the IPC channel it runs a full GC and answers with process.memoryUsage(),
 * so the soak reads the live heap, not garbage that has yet to be collected. Not part of the product.
 */
'use strict';
if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message !== 'sample') return;
    if (typeof global.gc === 'function') global.gc();
    process.send({ type: 'memory', memory: process.memoryUsage() });
  });
  // The IPC channel must not keep the process alive once the sidecar has shut down.
  if (process.channel && typeof process.channel.unref === 'function') process.channel.unref();
}
