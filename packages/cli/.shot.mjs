import { chromium } from 'playwright-core';
const [,, file, out] = process.argv;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const p = await b.newPage({ viewport: { width: 1300, height: 900 } });
p.on('console', m => console.log('console', m.type(), m.text()));
p.on('request', r => { if (!r.url().startsWith('data:') && !r.url().startsWith('file:')) console.log('REQUEST', r.url()); });
await p.goto('file://' + file);
await p.screenshot({ path: out, fullPage: true });
await b.close();
