import { describe, expect, it } from 'vitest';
import { BLENDED_GROUP, forgeryKind, lessForgeryRegion, ONE_STAGE_GROUP } from '../forgery-kinds.js';
import { forgeryTableHtml } from './forgery-table-html.js';
import { forgeryTable } from './forgery-table.js';
import { withKindGroups } from './report-figures.js';

const t = (technique: string, auc: number, extra: object = {}) => ({ technique, nFake: 10, auc, ci95: [auc - 0.05, auc + 0.05] as [number, number], ...extra });

describe('forgery kinds', () => {
  it('tells one-stage, blended and less-forgery techniques apart', () => {
    expect(lessForgeryRegion('less-eyes')).toBe('eyes');
    expect(lessForgeryRegion('less-ears')).toBeUndefined();
    expect(forgeryKind('less-skin')).toBe('less-forgery');
    expect(forgeryKind('blend')).toBe('blended');
    expect(forgeryKind('sbi')).toBe('blended');
    expect(forgeryKind('stylegan2')).toBe('one-stage');
    expect(forgeryKind('real')).toBeUndefined();
  });

  it('adds one attention group per kind only when both kinds are present', () => {
    const item = (technique: string, id: string) => ({ id, path: id, label: technique === 'real' ? (0 as const) : (1 as const), technique });
    const groups: [string, ReturnType<typeof item>[]][] = [
      ['real', [item('real', 'r')]],
      ['less-eyes', [item('less-eyes', 'e')]],
      ['less-nose', [item('less-nose', 'n')]],
      ['stylegan2', [item('stylegan2', 'g')]],
    ];
    const out = withKindGroups(groups);
    expect(out.map(([name]) => name)).toEqual(['real', 'less-eyes', 'less-nose', 'stylegan2', ONE_STAGE_GROUP, BLENDED_GROUP]);
    expect(out[5]![1].map((i) => i.id)).toEqual(['e', 'n']);
    expect(withKindGroups(groups.filter(([name]) => !name.startsWith('less-'))).map(([name]) => name)).toEqual(['real', 'stylegan2']);
  });
});

describe('forgeryTable', () => {
  it('is absent without less-forgery or blended fakes', () => {
    expect(forgeryTable([{ name: 'none', techniques: [t('stylegan2', 0.9), t('stylegan', 0.8)] }], 'test')).toBeUndefined();
  });

  it('orders regions as the paper, then blends, and measures the drop against the full fakes', () => {
    const table = forgeryTable(
      [
        { name: 'none', techniques: [t('stylegan2', 0.9), t('less-skin', 0.6), t('blend', 0.5), t('less-eyes', 0.8), t('less-mouth', 0.85), t('less-nose', 0.88)] },
        { name: 'sfe', techniques: [t('stylegan2', 0.92), t('less-eyes', 0.9, { diffToBaseline: { auc: 0.1, ci95: [0.02, 0.18] } })] },
      ],
      'test split',
      'none',
    )!;
    expect(table.columns.map((c) => c.technique)).toEqual(['less-eyes', 'less-nose', 'less-mouth', 'less-skin', 'blend']);
    expect(table.reference).toEqual(['stylegan2']);
    const [none, sfe] = table.rows;
    expect(none!.fullAuc).toBe(0.9);
    expect(none!.fullAucCi95).toEqual([0.9 - 0.05, 0.9 + 0.05]);
    expect(none!.cells[3]!.drop).toBeCloseTo(-0.3, 12);
    expect(none!.cells[4]!.drop).toBeCloseTo(-0.4, 12);
    expect(sfe!.cells[0]!.drop).toBeCloseTo(-0.02, 12);
    expect(sfe!.cells[0]!.diff).toEqual({ auc: 0.1, aucCi95: [0.02, 0.18] });
    expect(sfe!.cells[1]).toBeUndefined();
    const html = forgeryTableHtml(table);
    expect(html).toContain('data-metric="less-skin-drop" data-value="' + String(0.6 - 0.9) + '">-30.00</td>');
    expect(html).toContain('class="num gain" data-metric="less-eyes-diff" data-value="0.1">+10.00<br><small class="ci" data-low="0.02" data-high="0.18">[+2.00, +18.00]</small></td>');
    expect(html).toContain('>eyes real</th>');
    expect(html).toContain('>blend (blended)</th>');
    expect(html).toContain('full fakes (stylegan2)');
  });

  it('averages several one-stage techniques and says when there is no full fake to compare with', () => {
    const two = forgeryTable([{ name: 'run', techniques: [t('stylegan', 0.8), t('stylegan2', 0.9), t('sbi', 0.7)] }], 'eval')!;
    expect(two.reference).toEqual(['stylegan', 'stylegan2']);
    expect(two.rows[0]!.fullAuc).toBeCloseTo(0.85, 12);
    expect(two.rows[0]!.fullAucCi95).toBeUndefined();
    expect(two.rows[0]!.cells[0]!.drop).toBeCloseTo(-0.15, 12);
    const none = forgeryTable([{ name: 'run', techniques: [{ technique: 'less-eyes', nFake: 3, auc: 0.7 }] }], 'eval')!;
    expect(none.rows[0]!.cells[0]!.drop).toBeUndefined();
    expect(forgeryTableHtml(none)).toContain('the data holds no full (one-stage) fakes');
  });
});
