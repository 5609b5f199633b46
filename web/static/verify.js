// Recomputes a published draw proof in the browser with WebCrypto (DESIGN.md "The verifiable draw"):
// commitment = sha256(seed); candidates_hash = sha256(codes joined by "\n"); each draw takes, for
// counter = 0, 1, ..., r = HMAC-SHA256(key = seed, msg = "id|candidates_hash|beacon|purpose|round|counter")
// as a 256-bit big-endian integer and accepts the first r < 2^256 - (2^256 mod n), giving r mod n;
// a weighted draw draws in [0, sum(weights)) and takes the first entry whose running sum exceeds it.
"use strict";
(function () {
  const enc = new TextEncoder();
  const SPACE = 1n << 256n;

  function hexToBytes(hex) {
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }
  function toHex(buffer) {
    return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function sha256Hex(bytes) {
    return toHex(await crypto.subtle.digest("SHA-256", bytes));
  }
  async function drawIndex(key, prefix, n) {
    const limit = SPACE - (SPACE % BigInt(n));
    for (let counter = 0; ; counter++) {
      const mac = await crypto.subtle.sign("HMAC", key, enc.encode(prefix + "|" + counter));
      const r = BigInt("0x" + toHex(mac));
      if (r < limit) return Number(r % BigInt(n));
    }
  }
  function weightedIndex(weights, r) {
    let running = 0;
    for (let i = 0; i < weights.length; i++) {
      running += weights[i];
      if (running > r) return i;
    }
    throw new Error("r is not below the sum of the weights");
  }

  async function verify(proof) {
    const seed = hexToBytes(proof.seed);
    const commitmentOk = (await sha256Hex(seed)) === proof.commitment;
    const chash = await sha256Hex(enc.encode(proof.candidates.join("\n")));
    const hashOk = chash === proof.candidatesHash;
    const key = await crypto.subtle.importKey("raw", seed, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const results = [];
    for (const d of proof.draws) {
      const prefix = [proof.purchaseId, chash, proof.beacon, d.purpose, d.round].join("|");
      let index;
      if (d.weights === null || d.weights === undefined) {
        index = await drawIndex(key, prefix, d.pool.length);
      } else {
        const total = d.weights.reduce((a, b) => a + b, 0);
        index = weightedIndex(d.weights, await drawIndex(key, prefix, total));
      }
      results.push({ index, selected: d.pool[index], ok: index === d.index && d.pool[index] === d.selected });
    }
    return { commitmentOk, hashOk, results };
  }

  function mark(cell, ok, text) {
    cell.textContent = text;
    cell.className = "check " + (ok ? "match" : "mismatch");
  }

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("verify-draw");
    const data = document.getElementById("draw-proof-data");
    const summary = document.getElementById("verify-summary");
    if (!button || !data) return;
    button.addEventListener("click", async () => {
      if (!window.crypto || !crypto.subtle) {
        summary.textContent = "此浏览器不支持 WebCrypto（需通过 HTTPS 或本机地址访问）。";
        summary.className = "mismatch";
        return;
      }
      button.disabled = true;
      try {
        const proof = JSON.parse(data.textContent);
        const outcome = await verify(proof);
        outcome.results.forEach((r, i) => {
          const cell = document.querySelector(`tr[data-draw="${i}"] .check`);
          if (cell) mark(cell, r.ok, r.ok ? `一致：第 ${r.index} 项 ${r.selected}` : `不一致：复算为第 ${r.index} 项 ${r.selected}`);
        });
        const allOk = outcome.commitmentOk && outcome.hashOk && outcome.results.every((r) => r.ok);
        summary.textContent = [
          outcome.commitmentOk ? "承诺值一致" : "承诺值不一致",
          outcome.hashOk ? "候选名单哈希一致" : "候选名单哈希不一致",
          `${outcome.results.filter((r) => r.ok).length}/${outcome.results.length} 次抽取复算一致`,
        ].join("；") + (allOk ? "。验证通过。" : "。验证未通过！");
        summary.className = allOk ? "match" : "mismatch";
        summary.dataset.result = allOk ? "match" : "mismatch";
      } catch (err) {
        summary.textContent = "验证出错：" + err;
        summary.className = "mismatch";
      } finally {
        button.disabled = false;
      }
    });
  });
})();
