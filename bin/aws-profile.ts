import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * Reads one setting of one profile from the AWS shared config and credentials files, as the aws cli
 * and the SDKs lay them out (https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html): in
 * the config file a profile is `[profile NAME]` (the default one `[default]`), in the credentials
 * file `[NAME]`; `key = value` lines; `#` and `;` start comments; indented lines continue a nested
 * setting (`s3 =`) and are skipped. Used only to spot a profile whose credential_process is this
 * command, before the SDK would run it.
 */

/** The value of `key` in `profile`'s section of an INI text, or undefined. */
export function profileSetting(text: string, profile: string, key: string, file: "config" | "credentials"): string | undefined {
  const wanted = file === "credentials" ? [profile] : profile === "default" ? ["default", "profile default"] : [`profile ${profile}`];
  let inSection = false;
  let value: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;]|$)/.test(raw) || /^\s/.test(raw)) continue;
    const section = /^\[\s*([^\]]+?)\s*\]/.exec(raw);
    if (section) {
      inSection = wanted.includes(section[1]!.replace(/\s+/g, " "));
      continue;
    }
    const setting = /^([^=]+?)\s*=\s*(.*)$/.exec(raw);
    if (inSection && setting && setting[1]!.trim().toLowerCase() === key) value = setting[2]!.trim();
  }
  return value;
}

/** Whether a credential_process command runs `rajee token credential-process` (by any path to rajee). */
export function runsCredentialProcess(command: string): boolean {
  return /\btoken\s+credential-process\b/.test(command);
}

/**
 * The credential_process of `profile` when it runs this command again, from the files the SDK reads
 * (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials); an
 * unreadable file is skipped.
 */
export async function selfRunningProcess(profile: string, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  const home = env.HOME || homedir();
  const files = [
    { path: env.AWS_CONFIG_FILE || join(home, ".aws", "config"), kind: "config" as const },
    { path: env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"), kind: "credentials" as const },
  ];
  for (const { path, kind } of files) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      continue;
    }
    const command = profileSetting(text, profile, "credential_process", kind);
    if (command !== undefined && runsCredentialProcess(command)) return command;
  }
  return undefined;
}
