// Streams a chosen file as the raw request body (no multipart buffering) with a progress bar,
// then writes the returned SHA-256 into the form field named by data-target.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const token = document.querySelector('meta[name="csrf-token"]').content;
  document.querySelectorAll(".upload[data-upload-url]").forEach((box) => {
    const input = box.querySelector('input[type="file"]');
    const bar = box.querySelector("progress");
    const text = box.querySelector("small");
    const target = document.getElementById(box.dataset.target);
    input.addEventListener("change", () => {
      const file = input.files[0];
      if (!file) return;
      const xhr = new XMLHttpRequest();
      const url = box.dataset.uploadUrl + (box.dataset.uploadUrl.includes("?") ? "&" : "?") + "filename=" + encodeURIComponent(file.name);
      xhr.open("POST", url);
      xhr.setRequestHeader("x-csrftoken", token);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) {
          bar.value = Math.round((e.loaded / e.total) * 100);
          text.textContent = `已上传 ${bar.value}%`;
        }
      };
      xhr.onload = () => {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          if (target) target.value = body.sha256;
          text.textContent = `上传完成：${file.name}（SHA-256 ${body.sha256}）`;
          box.dataset.done = "true";
        } else {
          text.textContent = "上传失败：" + (body.detail || xhr.status);
        }
      };
      xhr.onerror = () => { text.textContent = "上传失败：网络错误"; };
      xhr.send(file);
    });
  });
});
