/**
 * What an executable file is, read from its headers: enough to check the
 * cross-compiled executables we cannot run here (ELF e_machine, Mach-O
 * cputype and code signature, PE machine, optional-header kind and
 * certificate table).
 */
import { createHash } from "node:crypto";

export type ExecutableFormat =
  | { format: "elf"; machine: number; interpreter: string | undefined }
  | { format: "macho"; cpuType: number; fileType: number; signature: CodeSignature | undefined }
  | { format: "pe"; machine: number; pe32plus: boolean; subsystem: number; certificateTableBytes: number }
  | { format: "unknown" };

export interface CodeSignature {
  /** CodeDirectory flags: 0x2 is ad-hoc. */
  flags: number;
  /** How many of the pages it hashes match the file. */
  pagesMatching: number;
  pages: number;
  /** It hashes the whole file up to the signature itself. */
  coversFile: boolean;
}

export const ELF_MACHINE = { x86_64: 0x3e, aarch64: 0xb7 } as const;
export const MACHO_CPU = { x86_64: 0x01000007, arm64: 0x0100000c } as const;
export const PE_MACHINE = { amd64: 0x8664 } as const;

export function executableFormat(file: Buffer): ExecutableFormat {
  if (file.readUInt32BE(0) === 0x7f454c46) return elf(file);
  if (file.readUInt32LE(0) === 0xfeedfacf) return macho(file);
  if (file.toString("latin1", 0, 2) === "MZ") return pe(file);
  return { format: "unknown" };
}

function elf(file: Buffer): ExecutableFormat {
  // ELF64 little-endian: e_machine at 18, program headers at e_phoff (32), e_phentsize (54), e_phnum (56).
  const machine = file.readUInt16LE(18);
  const phoff = Number(file.readBigUInt64LE(32));
  const phentsize = file.readUInt16LE(54);
  let interpreter: string | undefined;
  for (let i = 0; i < file.readUInt16LE(56); i++) {
    const ph = phoff + i * phentsize;
    if (file.readUInt32LE(ph) === 3 /* PT_INTERP */) {
      const offset = Number(file.readBigUInt64LE(ph + 8));
      interpreter = file.toString("latin1", offset, offset + Number(file.readBigUInt64LE(ph + 32))).replace(/\0+$/, "");
    }
  }
  return { format: "elf", machine, interpreter };
}

const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_HASHTYPE_SHA256 = 2;

function macho(file: Buffer): ExecutableFormat {
  const cpuType = file.readUInt32LE(4);
  const fileType = file.readUInt32LE(12);
  let offset = 32;
  let signature: CodeSignature | undefined;
  for (let i = 0; i < file.readUInt32LE(16); i++) {
    const cmd = file.readUInt32LE(offset);
    if (cmd === LC_CODE_SIGNATURE) signature = codeSignature(file, file.readUInt32LE(offset + 8));
    offset += file.readUInt32LE(offset + 4);
  }
  return { format: "macho", cpuType, fileType, signature };
}

/** The CodeDirectory of a signature SuperBlob (big-endian), with its page hashes checked against the file. */
function codeSignature(file: Buffer, at: number): CodeSignature | undefined {
  const count = file.readUInt32BE(at + 8);
  for (let i = 0; i < count; i++) {
    const cd = at + file.readUInt32BE(at + 12 + i * 8 + 4);
    if (file.readUInt32BE(cd) !== CSMAGIC_CODEDIRECTORY) continue;
    const flags = file.readUInt32BE(cd + 12);
    const hashOffset = file.readUInt32BE(cd + 16);
    const pages = file.readUInt32BE(cd + 28);
    const codeLimit = file.readUInt32BE(cd + 32);
    const hashSize = file.readUInt8(cd + 36);
    const hashType = file.readUInt8(cd + 37);
    const pageSize = 2 ** file.readUInt8(cd + 39);
    if (hashType !== CS_HASHTYPE_SHA256) return { flags, pagesMatching: 0, pages, coversFile: false };
    let pagesMatching = 0;
    for (let p = 0; p < pages; p++) {
      const page = file.subarray(p * pageSize, Math.min((p + 1) * pageSize, codeLimit));
      const expected = file.subarray(cd + hashOffset + p * hashSize, cd + hashOffset + (p + 1) * hashSize);
      if (createHash("sha256").update(page).digest().subarray(0, hashSize).equals(expected)) pagesMatching++;
    }
    return { flags, pagesMatching, pages, coversFile: codeLimit === at };
  }
  return undefined;
}

function pe(file: Buffer): ExecutableFormat {
  const header = file.readUInt32LE(0x3c);
  if (file.toString("latin1", header, header + 4) !== "PE\0\0") return { format: "unknown" };
  const machine = file.readUInt16LE(header + 4);
  const optional = header + 24;
  const pe32plus = file.readUInt16LE(optional) === 0x20b;
  const subsystem = file.readUInt16LE(optional + 68);
  // Data directory 4 is the certificate table (Authenticode); PE32+ directories start at 112.
  const certificateTableBytes = pe32plus ? file.readUInt32LE(optional + 112 + 4 * 8 + 4) : 0;
  return { format: "pe", machine, pe32plus, subsystem, certificateTableBytes };
}
