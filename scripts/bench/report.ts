// Stdout carries only figures: one JSON line per figure set as it is measured, then readable tables.
export type Figure = string | number | boolean;
export type Figures = Record<string, Figure>;
/** What each figure means, in one line; also fixes the order of a table's rows. */
export type Legend = Record<string, string>;

interface Run {
  column: string;
  figures: Figures;
}

interface Section {
  legend: Legend;
  runs: Run[];
}

export class Report {
  private readonly sections = new Map<string, Section>();

  constructor(private readonly out: (line: string) => void = (line) => process.stdout.write(line + '\n')) {}

  /** Prints the JSON line at once, so a run cut short still leaves what it measured. */
  add(bench: string, column: string, figures: Figures, legend: Legend): void {
    this.out(JSON.stringify({ bench, ...figures }));
    const section = this.sections.get(bench) ?? { legend, runs: [] };
    section.runs.push({ column, figures });
    this.sections.set(bench, section);
  }

  /**
   * One goal of the performance issue: `ratio` is ours / its ceiling (or a size, for memory), printed as its own
   * JSON line so runs can be compared; `figures` say what it was measured from.
   */
  goal(name: string, ratio: number, figures: Figures = {}): void {
    this.out(JSON.stringify({ goal: name, ratio: Math.round(ratio * 1000) / 1000, ...figures }));
  }

  /** One table per bench: a row per figure, a column per run, and what the figure means. */
  printTables(): void {
    for (const [bench, { legend, runs }] of this.sections) {
      const rows = [[bench, ...runs.map((r) => r.column), 'meaning']];
      for (const [name, meaning] of Object.entries(legend)) {
        if (!runs.some((r) => name in r.figures)) continue;
        rows.push([name, ...runs.map((r) => (name in r.figures ? String(r.figures[name]) : '-')), meaning]);
      }
      const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
      this.out('');
      rows.forEach((row, r) => {
        this.out(row.map((cell, i) => (i === row.length - 1 ? cell : i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
        if (r === 0) this.out(widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? 7 : w)).join('  '));
      });
    }
  }
}
