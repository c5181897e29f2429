/**
 * node:http and node:https taken through process.getBuiltinModule instead of an ESM import: importing
 * node:http as an ES module reads every export, and its lazy `WebSocket`, `CloseEvent` and
 * `MessageEvent` getters load undici, about 13 MiB of resident memory the sidecar never uses.
 */
export const http = process.getBuiltinModule('node:http');
export const https = process.getBuiltinModule('node:https');
