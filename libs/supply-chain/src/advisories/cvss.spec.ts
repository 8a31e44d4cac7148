import { approximateCvss4Level, cvss3BaseScore, levelForScore } from './cvss';

describe('cvss3BaseScore', () => {
  // Scores as published by NVD / the FIRST calculator for these vectors.
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L', 5.3],
    ['CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.0],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N', 9.1],
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N', 5.5],
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N', 6.5],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10.0],
    ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N', 6.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4],
    ['CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N', 0],
  ])('%s scores %d', (vector, score) => {
    expect(cvss3BaseScore(vector)).toBe(score);
  });

  it('ignores temporal/environmental metrics in the base score', () => {
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H/E:U/RL:O')).toBe(7.5);
  });

  it.each(['AV:N/AC:L', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:N/I:N/A:H', 'CVSS:3.1/AV:N', 'CVSS:2.0/AV:N'])(
    'rejects malformed vector %s',
    (vector) => expect(cvss3BaseScore(vector)).toBeUndefined(),
  );
});

describe('severity levels', () => {
  it('uses the CVSS qualitative bands', () => {
    expect([9.0, 8.9, 7.0, 6.9, 4.0, 3.9, 0].map(levelForScore)).toEqual([
      'critical', 'high', 'high', 'medium', 'medium', 'low', 'low',
    ]);
  });

  it('approximates CVSS v4 levels', () => {
    expect(approximateCvss4Level('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toBe('critical');
    expect(approximateCvss4Level('CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N')).toBe('low');
    expect(approximateCvss4Level('garbage')).toBe('unknown');
  });
});
