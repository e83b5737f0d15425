/** What a page's canvas shows, for the browser tests: painted pixels and a hash of all of them. */
import type { Page } from 'playwright-core';

/** Pixels of the first canvas matching `selector` that differ from the report's background, and a hash of every pixel. */
export async function canvasPixels(page: Page, selector: string): Promise<{ painted: number; hash: number }> {
  return page.$eval(selector, (node) => {
    const canvas = node as HTMLCanvasElement;
    const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0, hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i] as number, g = data[i + 1] as number, b = data[i + 2] as number;
      if (!(r === 0xf3 && g === 0xf3 && b === 0xf3) && data[i + 3] !== 0) painted++;
      hash = (Math.imul(hash, 31) + (r << 16 | g << 8 | b)) | 0;
    }
    return { painted, hash };
  });
}
