import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeZip } from '../../../../test/support/zip-writer';
import { readOsvPayload } from './osv-payload.reader';
import { readZipEntries, ZipError } from './zip-archive.reader';

const record = (id: string) => JSON.stringify({ id, modified: '2024-01-01T00:00:00Z' });

describe('zip archive reader', () => {
  it('reads deflated and stored entries and skips directories', () => {
    const zip = writeZip([
      { name: 'osv/', data: '' },
      { name: 'osv/A-1.json', data: record('A-1') },
      { name: 'osv/A-2.json', data: record('A-2'), stored: true },
    ]);
    const entries = readZipEntries(zip);
    expect(entries.map((e) => e.name)).toEqual(['osv/A-1.json', 'osv/A-2.json']);
    expect(JSON.parse(entries[1].read().toString()).id).toBe('A-2');
  });

  it("reads an archive written by another implementation (Python's zipfile, as OSV's exporter uses)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-zip-'));
    try {
      writeFileSync(path.join(dir, 'B-1.json'), record('B-1'));
      const script = 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED); z.write(sys.argv[2],"B-1.json"); z.writestr("dir/",""); z.close()';
      execFileSync('python3', ['-c', script, path.join(dir, 'all.zip'), path.join(dir, 'B-1.json')]);
      const entries = readZipEntries(readFileSync(path.join(dir, 'all.zip')));
      expect(entries.map((e) => JSON.parse(e.read().toString()).id)).toEqual(['B-1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a deflate bomb that lies about its size, inflating no more than the declared size', () => {
    const bomb = Buffer.alloc(50 * 1024 * 1024, 0x20); // 50 MiB of spaces deflate to ~50 KiB
    const zip = writeZip([{ name: 'bomb.json', data: bomb, declaredSize: 100 }]);
    expect(zip.length).toBeLessThan(200 * 1024);
    const [entry] = readZipEntries(zip);
    expect(() => entry.read()).toThrow(/inflates beyond its declared size 100/);
  });

  it('refuses entries declared larger than the limit before inflating anything', () => {
    const zip = writeZip([{ name: 'big.json', data: 'x', declaredSize: 10 * 1024 * 1024 }]);
    expect(() => readZipEntries(zip, { maxEntryBytes: 4 * 1024 * 1024 })).toThrow(/10485760 bytes uncompressed; the limit is 4194304/);
    const many = writeZip([{ name: 'a.json', data: 'x', declaredSize: 3_000_000 }, { name: 'b.json', data: 'x', declaredSize: 3_000_000 }]);
    expect(() => readZipEntries(many, { maxTotalBytes: 5_000_000 })).toThrow(/expands to more than 5000000 bytes/);
  });

  it('refuses archives with too many entries, no directory, or a directory outside the archive', () => {
    expect(() => readZipEntries(writeZip([{ name: 'a.json', data: '{}' }, { name: 'b.json', data: '{}' }]), { maxEntries: 1 })).toThrow(/2 entries; the limit is 1/);
    expect(() => readZipEntries(Buffer.from('PK\u0003\u0004 truncated'))).toThrow(ZipError);
    const zip = writeZip([{ name: 'a.json', data: '{}' }]);
    zip.writeUInt32LE(0x7fffffff, zip.length - 6); // central directory offset
    expect(() => readZipEntries(zip)).toThrow(/outside the archive/);
  });

  it('detects corrupt data by CRC', () => {
    const [entry] = readZipEntries(writeZip([{ name: 'a.json', data: record('A'), crc: 1234 }]));
    expect(() => entry.read()).toThrow(/CRC mismatch/);
  });

  it('turns bad entries into per-record errors and keeps going', () => {
    const zip = writeZip([
      { name: 'ok.json', data: record('OK-1') },
      { name: 'bomb.json', data: Buffer.alloc(1024 * 1024, 0x20), declaredSize: 10 },
      { name: 'broken.json', data: '{"id": ' },
      { name: 'README.md', data: 'not a record' },
      { name: 'pair.json', data: `[${record('P-1')},${record('P-2')}]` },
    ]);
    const out = [...readOsvPayload(zip)];
    expect(out.map((c) => ('error' in c ? `${c.source}: error` : `${c.source}: ${(c.json as { id: string }).id}`))).toEqual([
      'ok.json: OK-1',
      'bomb.json: error',
      'broken.json: error',
      'pair.json[0]: P-1',
      'pair.json[1]: P-2',
    ]);
  });
});
