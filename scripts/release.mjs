// npm run release: everything a release publishes, in dist/release/:
//
//   eks-token-<os>-<arch>[.exe]   the single executable of each platform (scripts/build-binary.mjs)
//   eks-token-<version>.tgz       the npm package (npm pack of the bundles built here)
//   SHA256SUMS                    sha256sum format, for `sha256sum -c --ignore-missing`
//   eks-token.rb                  a Homebrew formula for macOS and Linux with those checksums
//
//   node scripts/release.mjs [--base-url URL]
//
// --base-url (or EKS_TOKEN_RELEASE_BASE_URL) is where the executables will be
// downloadable, e.g. a release page's download folder; the formula points there.
// Without it, the formula points at dist/release itself (file://), so it can be
// tried locally with `brew install --formula ./dist/release/eks-token.rb`.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { binaryName, buildBinary, buildBundles, TARGETS } from "./build-binary.mjs";
import { quiet, ROOT } from "./registry-package.mjs";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const args = process.argv.slice(2);
const out = join(ROOT, "dist", "release");
const baseUrl = (args.includes("--base-url") ? args[args.indexOf("--base-url") + 1] : process.env["EKS_TOKEN_RELEASE_BASE_URL"]) || pathToFileURL(out).href;

rmSync(out, { recursive: true, force: true });
buildBundles();
for (const target of Object.keys(TARGETS)) buildBinary(target, join(out, binaryName(target)));
// The bundles are built above (the executables are made from them): --ignore-scripts
// skips prepack's second build. prepack stays for a bare npm pack or npm publish.
quiet("npm", ["pack", "--ignore-scripts", "--pack-destination", out], { cwd: ROOT });

const sha256 = (name) => createHash("sha256").update(readFileSync(join(out, name))).digest("hex");
const files = readdirSync(out).sort();
const sums = Object.fromEntries(files.map((name) => [name, sha256(name)]));
writeFileSync(join(out, "SHA256SUMS"), files.map((name) => `${sums[name]}  ${name}\n`).join(""));

/** One OS's downloads in the formula: its ARM and Intel executables, each with its checksum. */
const platforms = (os, prefix) => {
  const download = (cpu, arch) => {
    const name = binaryName(`${prefix}-${arch}`);
    return `    on_${cpu} do\n      url "${baseUrl.replace(/\/$/, "")}/${name}"\n      sha256 "${sums[name]}"\n    end\n`;
  };
  return `  on_${os} do\n${download("arm", "arm64")}${download("intel", "x64")}  end\n`;
};

// Homebrew installs the downloaded file as it is: no archive, one executable per platform.
writeFileSync(
  join(out, "eks-token.rb"),
  `class EksToken < Formula
  desc "${pkg.description.replace(/"/g, '\\"')}"
  version "${pkg.version}"
  license "${pkg.license}"

${platforms("macos", "darwin")}
${platforms("linux", "linux")}
  def install
    bin.install Dir["eks-token-*"].first => "eks-token"
  end

  test do
    assert_equal version.to_s, shell_output("#{bin}/eks-token --version").strip
  end
end
`,
);
console.error(`release: dist/release: ${[...files, "SHA256SUMS", "eks-token.rb"].join(", ")}`);
