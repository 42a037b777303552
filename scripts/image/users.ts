/**
 * The Dockerfile's `useradd`, written into the account files directly. useradd (and the passwd
 * package's postinst) stamp today's date into /etc/shadow's "last password change" field, so the
 * same inputs would give a different layer every day; here that field is the image's fixed day.
 */

export interface Account {
  name: string;
  uid: number;
  home: string;
  shell: string;
}

export interface AccountFiles {
  passwd: string;
  group: string;
  shadow: string;
  gshadow: string;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const withLine = (text: string, name: string, line: string) =>
  [...lines(text).filter((l) => l.split(':')[0] !== name), line].join('\n') + '\n';

/** Sets every shadow entry's last-change day (field 3) to `day`, where one is set. */
export function pinShadowDays(shadow: string, day: number): string {
  return lines(shadow).map((l) => {
    const f = l.split(':');
    if (f.length >= 3 && f[2] !== '') f[2] = String(day);
    return f.join(':');
  }).join('\n') + '\n';
}

/**
 * The account files with `a` added as useradd does on Debian (a group of the same name and id, a
 * locked password, `/bin/sh`), and every shadow date pinned to `day` (days since the epoch).
 */
export function addAccount(files: AccountFiles, a: Account, day: number): AccountFiles {
  const taken = (text: string, id: number) => lines(text).some((l) => Number(l.split(':')[2]) === id && l.split(':')[0] !== a.name);
  if (taken(files.passwd, a.uid)) throw new Error(`image: uid ${a.uid} of user ${a.name} is already taken in the base image`);
  if (taken(files.group, a.uid)) throw new Error(`image: gid ${a.uid} of user ${a.name} is already taken in the base image`);
  return {
    passwd: withLine(files.passwd, a.name, `${a.name}:x:${a.uid}:${a.uid}::${a.home}:${a.shell}`),
    group: withLine(files.group, a.name, `${a.name}:x:${a.uid}:`),
    shadow: pinShadowDays(withLine(files.shadow, a.name, `${a.name}:!:${day}:0:99999:7:::`), day),
    gshadow: withLine(files.gshadow, a.name, `${a.name}:!::`),
  };
}
