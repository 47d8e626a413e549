import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebWorld, PNG, type WebWorld } from './kit.ts';
import { writeFileSync } from 'node:fs';

/**
 * The residents' page in a real browser on a phone-sized screen: Debian's chromium driven by playwright-core, as in
 * test/sandbox/sandbox-browser.test.ts. Skipped with one line without a browser, except where REQUIRE_BROWSER=1 (CI):
 * there a missing browser fails it. Screenshots go to test-output/web/.
 */

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const REQUIRED = process.env.REQUIRE_BROWSER === '1';
const SCREENSHOTS = join(import.meta.dirname, '../../test-output/web');
if (!CHROMIUM && !REQUIRED) {
  console.warn('web browser test skipped: no Chromium at /usr/bin/chromium (apt-get install chromium; CI sets REQUIRE_BROWSER=1 and fails without it)');
}

let w: WebWorld;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  if (!CHROMIUM) throw new Error("REQUIRE_BROWSER=1 but /usr/bin/chromium is missing: the web page's browser test needs Debian's chromium (apt-get install chromium)");
  mkdirSync(SCREENSHOTS, { recursive: true });
  w = await createWebWorld({ env: { WEB_CONTACT_KEY: '1a'.repeat(32) } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // A phone: 390×844 CSS pixels, touch, Chinese.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  // A CSP violation or a failed asset shows up here.
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await w?.close();
});

describe.skipIf(!CHROMIUM && !REQUIRED)('the residents’ page on a phone', () => {
  it('files a report with a photo, follows it, sees the staff’s resolution and answers the survey', async () => {
    await page.goto(w.base);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    // Nothing wider than the screen.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SCREENSHOTS, '1-form.png'), fullPage: true });

    // Every field is found by its label, as a screen reader finds it.
    await page.getByLabel('您要反映什么？').fill('第三中学操场的篮球架松动了，孩子们打球很危险，希望尽快修理。');
    await page.getByLabel('学校或单位').fill('第三中学');
    const photo = join(SCREENSHOTS, 'basket.png');
    writeFileSync(photo, PNG);
    await page.getByLabel('照片').setInputFiles(photo);
    await page.getByLabel('联系方式').fill('13800138000');
    await page.getByLabel('我已阅读并同意').check();
    await page.getByRole('button', { name: '提交反映' }).click();

    await page.waitForURL(/\/t\/[A-Za-z0-9_-]{32}\?saved=1/).catch(async (e) => { console.log(page.url(), await page.locator('main').textContent()); throw e; });
    expect(await page.locator('.flash').textContent()).toContain('已收到并保存');
    const trackingUrl = (await page.locator('#tracking-url').getAttribute('href'))!;
    expect(trackingUrl).toMatch(new RegExp(`^${w.base}/t/[A-Za-z0-9_-]{32}$`));
    const ticket = Number(/#(\d+)/.exec((await page.locator('h1').textContent())!)![1]);
    await page.screenshot({ path: join(SCREENSHOTS, '2-saved.png'), fullPage: true });

    // The tracking link, opened later (a bookmark): the acknowledgement with ticket and category is there.
    await w.settle();
    await page.goto(trackingUrl);
    await expect.poll(async () => (await page.reload(), await page.locator('.notices li').count()), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator('.notices li').first().textContent()).toContain(`#${ticket}`);
    expect(await page.locator('#status').getAttribute('data-status')).toBe('new');
    expect(await page.locator('.facts').textContent()).toContain('已附照片');

    // Staff resolve it from their chat.
    const problemId = w.h.app.reports.get(ticket)!.problemId!;
    await w.staff(`/resolve ${problemId} 已更换新的篮球架并加固`);
    await page.getByRole('link', { name: '刷新' }).click();
    expect(await page.locator('#status').getAttribute('data-status')).toBe('resolved');
    expect(await page.locator('.notices li').last().textContent()).toContain('已更换新的篮球架并加固');
    await page.locator('#survey').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, '3-resolved.png'), fullPage: true });

    // The survey, with a keyboard-reachable form.
    await page.getByLabel('部分解决').check();
    await page.getByLabel('4★').check();
    await page.getByLabel('补充意见').fill('篮球架好了，但地面还有裂缝');
    await page.getByRole('button', { name: '提交评价' }).click();
    expect(await page.locator('.flash').textContent()).toContain('谢谢您的评价');
    expect(w.h.app.desk.surveyState(ticket)).toEqual({ fixed: 'partly', rating: 4 });
    expect(w.h.app.db.prepare('SELECT comment FROM feedback WHERE report_id = ?').pluck().get(ticket)).toBe('篮球架好了，但地面还有裂缝');
    // The answer shows as chosen when the page is opened again.
    expect(await page.getByLabel('部分解决').isChecked()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, '4-answered.png'), fullPage: true });

    // English on request.
    await page.getByRole('link', { name: 'English' }).click();
    expect(await page.locator('h1').textContent()).toBe(`Report #${ticket}`);
    expect(problems).toEqual([]);
  }, 90_000);
});
