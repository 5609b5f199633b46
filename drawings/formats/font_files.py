"""Where the CJK fonts are: files for what the server draws (seals, previews, overlays), families
for text a browser sets itself (an SVG's ``<text>``)."""

# The usual Linux CJK fonts (Debian's fonts-noto-cjk, fonts-wqy-*, fonts-arphic-*), preferred first.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
# System fonts only: a government intranet reaches no web-font CDN.
FONT_STACK = (
    "'PingFang SC', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', "
    "'WenQuanYi Micro Hei', 'WenQuanYi Zen Hei', SimHei, sans-serif"
)
