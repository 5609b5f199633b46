// Uploads a drawing file as the raw request body with a progress bar, then opens the revision.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("drawing-upload");
  if (!form) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const bar = document.getElementById("drawing-progress");
  const status = document.getElementById("drawing-upload-status");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const file = document.getElementById("drawing-file").files[0];
    if (!file) { status.textContent = "请选择文件"; return; }
    const params = new URLSearchParams({
      sheet: form.elements.sheet.value, title: form.elements.title.value,
      discipline: form.elements.discipline.value, stage: form.elements.stage.value, filename: file.name,
    });
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.url + "?" + params.toString());
    xhr.setRequestHeader("x-csrftoken", token);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (ev) => {
      if (ev.lengthComputable) { bar.value = Math.round((ev.loaded / ev.total) * 100); status.textContent = `已上传 ${bar.value}%`; }
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        status.textContent = "上传完成，正在打开该版本…";
        window.location.href = "/review/revisions/" + body.id;
      } else {
        status.textContent = "上传失败：" + (body.detail || new DOMParser().parseFromString(xhr.responseText, "text/html").body.textContent.trim() || xhr.status);
      }
    };
    xhr.onerror = () => { status.textContent = "上传失败：网络错误"; };
    xhr.send(file);
  });
});
