/**
 * The chaos soak's Flink proxy records each answer with the fault the double shaped it by: the judge calls a
 * scale wrong when an untrusted answer lies in its cycle, so an answer put down with the wrong fault makes a
 * right scale look wrong (or hides a wrong one).
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { startFlinkProxy, type FlinkProxy } from './flink-proxy.js';
import type { FlinkAnswerRecord } from './records.js';

let flink: FlinkDouble | undefined;
let proxy: FlinkProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await flink?.close();
});

async function setUp() {
  flink = await startFlinkDouble({ clusterId: 'clickstream' });
  const answers: FlinkAnswerRecord[] = [];
  proxy = await startFlinkProxy(flink, 0, (a) => answers.push(a));
  return { flink, proxy, answers };
}

function answered(status: Promise<number>, answers: FlinkAnswerRecord[]) {
  return status.then((code) => ({ code, answers: answers.map((a) => a.fault) }));
}

describe('the Flink proxy of the chaos soak', () => {
  it('puts an answer down with the fault in force when the double shaped it, not when the proxy got the request', async () => {
    const { flink, proxy, answers } = await setUp();
    await flink.setFault('empty');
    // The request reaches the proxy with its headers; its body (and so the request to the double) follows
    // only after the fault has ended.
    const req = request({
      host: '127.0.0.1',
      port: proxy.port,
      method: 'POST',
      path: '/v1/jobs/overview',
      headers: { 'Transfer-Encoding': 'chunked', 'Content-Type': 'application/json' },
    });
    const status = new Promise<number>((done, fail) => {
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      });
      req.on('error', fail);
    });
    req.flushHeaders();
    await new Promise((r) => setTimeout(r, 200));
    await flink.setFault('none');
    req.end('{}');
    expect(await answered(status, answers)).toMatchObject({ answers: ['none'] });
  });

  it('puts a slow answer down with the fault of when it was handled', async () => {
    const { flink, proxy, answers } = await setUp();
    await flink.setFault('slow', { slowMs: 400 });
    const status = fetch(`http://127.0.0.1:${proxy.port}/v1/overview`).then(async (r) => {
      await r.text();
      return r.status;
    });
    await new Promise((r) => setTimeout(r, 100));
    await flink.setFault('nan');
    expect(await answered(status, answers)).toEqual({ code: 200, answers: ['nan'] });
  });

  it('records a request the double never answered as down, and serves again on the same port', async () => {
    const { flink, proxy, answers } = await setUp();
    const port = proxy.port;
    await flink.setFault('down');
    await expect(fetch(`http://127.0.0.1:${port}/v1/overview`)).rejects.toThrow();
    expect(answers.map((a) => a.fault)).toEqual(['down']);
    await proxy.close();
    await flink.setFault('none');
    await proxy.open();
    expect(proxy.port).toBe(port);
    expect((await fetch(`http://127.0.0.1:${port}/v1/overview`)).status).toBe(200);
    expect(answers.map((a) => a.fault)).toEqual(['down', 'none']);
  });
});
