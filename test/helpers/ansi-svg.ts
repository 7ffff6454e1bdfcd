/* eslint-disable no-control-regex -- an SGR code begins with ESC: finding them is the point */
/**
 * A terminal's text with its colours (the SGR codes picocolors writes) as an SVG image, so that a
 * test can keep what a command printed as a picture for the docs.
 */
const COLOURS: Record<number, string> = { 31: '#e06c75', 32: '#98c379', 33: '#e5c07b', 36: '#56b6c2' };
const FOREGROUND = '#dcdfe4';
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function ansiToSvg(text: string, { title = '' }: { title?: string } = {}): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const charWidth = 8.4;
  const lineHeight = 18;
  const width = Math.ceil(Math.max(60, ...lines.map((l) => l.replace(/\u001b\[[0-9;]*m/g, '').length)) * charWidth + 32);
  const height = lines.length * lineHeight + 48;
  const rows = lines.map((line, i) => {
    let fill = FOREGROUND;
    let bold = false;
    let dim = false;
    const spans: string[] = [];
    for (const part of line.split(/(\u001b\[[0-9;]*m)/)) {
      const code = /^\u001b\[([0-9;]*)m$/.exec(part);
      if (code) {
        for (const n of code[1]!.split(';').map(Number)) {
          if (n === 0 || n === 39) fill = FOREGROUND;
          if (n === 0 || n === 22) bold = dim = false;
          if (n === 1) bold = true;
          if (n === 2) dim = true;
          if (COLOURS[n]) fill = COLOURS[n]!;
        }
      } else if (part !== '') {
        spans.push(`<tspan fill="${fill}"${bold ? ' font-weight="bold"' : ''}${dim ? ' opacity="0.6"' : ''}>${escapeXml(part)}</tspan>`);
      }
    }
    return `<text x="16" y="${40 + i * lineHeight}" xml:space="preserve">${spans.join('')}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">
<rect width="100%" height="100%" rx="6" fill="#282c34"/>
<text x="16" y="20" fill="#7f848e" font-size="12">${escapeXml(title)}</text>
${rows.join('\n')}
</svg>
`;
}
