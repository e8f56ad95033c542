// client.js - the Node.js `tls` client of tests/matrix_test.py.  One node
// process runs every Node.js connection of a run (a few at once):
//
//   node client.js JOBS      one handshake per line of JOBS
//
// A line is tab-separated key=value pairs: id, host, port, sni (empty: none,
// as when connecting by IP address), ca, min/max (TLSv1.2, TLSv1.3), ciphers,
// keylog (NSS key log file, written from the 'keylog' event), timeout (ms),
// alpn (comma-separated protocols offered).
// Prints "JOB id ok|error: message" per job.
'use strict';
const fs = require('fs');
const tls = require('tls');

function parse(line) {
  const job = {};
  for (const kv of line.split('\t')) {
    const eq = kv.indexOf('=');
    if (eq > 0) job[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return job;
}

function handshake(job) {
  return new Promise((resolve) => {
    const opts = {
      host: job.host,
      port: Number(job.port),
      ca: fs.readFileSync(job.ca),
    };
    // Without a name Node sends no SNI for an IP address; the name check
    // then has nothing to check, as with a plain `https://IP/` URL.
    if (job.sni) opts.servername = job.sni;
    if (job.min) opts.minVersion = job.min;
    if (job.max) opts.maxVersion = job.max;
    if (job.ciphers) opts.ciphers = job.ciphers;
    if (job.alpn) opts.ALPNProtocols = job.alpn.split(',');
    let done = false;
    const finish = (msg) => {
      if (!done) {
        done = true;
        resolve(`JOB ${job.id} ${msg}`);
      }
    };
    const sock = tls.connect(opts, () => {
      sock.write(`GET / HTTP/1.0\r\nHost: ${job.sni || job.host}\r\n\r\n`);
    });
    if (job.keylog) {
      sock.on('keylog', (line) => fs.appendFileSync(job.keylog, line));
    }
    sock.setTimeout(Number(job.timeout || 4000), () => {
      sock.destroy();
      finish('error: timeout');
    });
    sock.on('data', () => {});
    sock.on('end', () => finish(`ok ${sock.getProtocol()}`));
    sock.on('close', () => finish('ok closed'));
    sock.on('error', (e) => finish(`error: ${e.code || ''} ${e.message}`));
  });
}

async function main() {
  const jobs = fs.readFileSync(process.argv[2], 'utf8').split('\n')
    .filter((l) => l.trim()).map(parse);
  const out = [];
  // A few at a time: the machine has two cores and the servers share them.
  for (let i = 0; i < jobs.length; i += 4) {
    out.push(...await Promise.all(jobs.slice(i, i + 4).map(handshake)));
  }
  for (const line of out) console.log(line);
}

main();
