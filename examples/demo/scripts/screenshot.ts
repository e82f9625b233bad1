// Writes docs/demo.png: runs the demo, lets traffic flow for a while, screenshots the page in
// headless Chromium. Re-run: pnpm --filter @genai-metrics/demo screenshot
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/chromium.js';
import { DemoProcess } from '../test/demo-process.js';

const OUT = fileURLToPath(new URL('../../../docs/demo.png', import.meta.url));
const TRAFFIC_MS = Number(process.env.SCREENSHOT_AFTER_MS ?? 60_000);

const demo = new DemoProcess(['--port', '0', '--duration', '10m']);
try {
  const url = (await demo.waitFor(/page\s+(http:\/\/127\.0\.0\.1:\d+)\//, 180_000))[1]!;
  await new Promise((r) => setTimeout(r, TRAFFIC_MS));
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${url}/`);
    await page.waitForFunction(() => Number(document.body.dataset.updates) >= 2);
    await page.screenshot({ path: OUT, fullPage: true });
    console.log(`wrote ${OUT}`);
  } finally {
    await browser.close();
  }
} finally {
  await demo.stop();
}
