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

/** The files the SDK reads profiles from: AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials. */
export function profileFiles(env: Readonly<Record<string, string | undefined>>): { path: string; kind: "config" | "credentials" }[] {
  const home = env.HOME || homedir();
  return [
    { path: env.AWS_CONFIG_FILE || join(home, ".aws", "config"), kind: "config" },
    { path: env.AWS_SHARED_CREDENTIALS_FILE || join(home, ".aws", "credentials"), kind: "credentials" },
  ];
}

/** Whether an INI text has `profile`'s section, laid out as in {@link profileSetting}. */
export function hasProfileSection(text: string, profile: string, file: "config" | "credentials"): boolean {
  const wanted = file === "credentials" ? [profile] : profile === "default" ? ["default", "profile default"] : [`profile ${profile}`];
  return text.split(/\r?\n/).some((raw) => {
    const section = /^\[\s*([^\]]+?)\s*\]/.exec(raw);
    return section !== null && wanted.includes(section[1]!.replace(/\s+/g, " "));
  });
}

/**
 * Undefined when `profile` has a section in the config or credentials file; else why not, naming
 * the files read (an unreadable file counts as empty).
 */
export async function missingProfileProblem(profile: string, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  const files = profileFiles(env);
  for (const { path, kind } of files) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      continue;
    }
    if (hasProfileSection(text, profile, kind)) return undefined;
  }
  return `profile ${profile} does not exist: neither ${files.map((f) => f.path).join(" nor ")} has it; name one of their profiles, or create it with 'aws configure --profile ${profile}' (or 'aws configure sso')`;
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
  for (const { path, kind } of profileFiles(env)) {
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
