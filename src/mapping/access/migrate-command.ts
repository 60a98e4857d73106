/**
 * eks-token aws-auth migrate: the ConfigMap's entries as access entries.
 *
 * The pipeline: flags → read and parse the ConfigMap → plan (pure,
 * migration-plan.ts) → --dry-run (the default): print the plan and the
 * equivalent aws eks commands; --apply: the identity's credentials → the
 * cluster's mode (CONFIG_MAP stops here, with the command that switches it)
 * → apply (apply-migration.ts) → the report and its summary. The ConfigMap is
 * never edited or deleted.
 */
import { usage } from "../../cli/args.js";
import { EksTokenError } from "../../cli/errors.js";
import { command } from "../../cli/flags.js";
import { AWS_AUTH_MIGRATE } from "../../cli/table/mapping.js";
import { validateRegion } from "../../token/validate.js";
import { fileArgument, readAwsAuthFile } from "../command.js";
import { accessSession, clusterAndRequest } from "./command.js";
import { applyPlan, formatReport, summaryLine, type MigrationReport } from "./apply-migration.js";
import { openEksAccess } from "./eks-api.js";
import { awsCommands, formatPlan, formatUnmigratable, planMigration, type MigrationPlan } from "./migration-plan.js";

function planJson(plan: MigrationPlan, region: string | undefined, report?: MigrationReport): string {
  return `${JSON.stringify(
    {
      cluster: plan.cluster,
      source: plan.source,
      entries: plan.entries,
      cannotMigrate: plan.cannotMigrate,
      commands: awsCommands(plan, region),
      ...(report ? { applied: { results: report.results, counts: report.counts, ...(report.stoppedBy !== undefined ? { stoppedBy: report.stoppedBy } : {}) } } : {}),
    },
    null,
    2,
  )}\n`;
}

/** eks-token aws-auth migrate --cluster-name NAME [FILE | -] [--dry-run | --apply] */
export const migrateCommand = command(AWS_AUTH_MIGRATE, async ({ values, positionals }, deps, logger) => {
  const output = values.output;
  const { cluster, request } = clusterAndRequest(values, AWS_AUTH_MIGRATE, "the cluster to create the access entries on");
  if (values.region !== undefined) validateRegion(values.region, "--region");
  if (values["dry-run"] && values.apply) throw usage("--dry-run and --apply exclude each other", AWS_AUTH_MIGRATE.name);
  const { name, parsed } = await readAwsAuthFile(fileArgument(values.file, positionals, AWS_AUTH_MIGRATE.name), deps, logger);
  const plan = planMigration(parsed, cluster, name);

  if (!values.apply) {
    deps.stdout(output === "json" ? planJson(plan, values.region) : formatPlan(plan, values.region));
    logger.note(
      plan.entries.length
        ? `nothing was changed (--dry-run is the default): --apply creates ${plan.entries.length === 1 ? "this access entry" : `these ${plan.entries.length} access entries`} where missing; the ConfigMap is never edited`
        : "nothing to migrate: no entry of this ConfigMap can become an access entry",
    );
    return 0;
  }

  const session = await accessSession(request, deps, logger);
  const access = await openEksAccess(session, cluster, logger);
  let report: MigrationReport;
  try {
    const auth = await access.describeCluster();
    if (auth.mode === "CONFIG_MAP") {
      deps.stdout(output === "json" ? planJson(plan, session.region) : formatPlan(plan, session.region));
      throw new EksTokenError(
        "aws-call",
        `could not create access entries on cluster ${cluster}: its authentication mode is CONFIG_MAP${auth.modeReported ? "" : " (it reports no accessConfig)"}, which has no access entries; nothing was changed`,
        {
          hint: `switch it (one way; the ConfigMap keeps working): aws eks update-cluster-config --name ${cluster} --region ${session.region} --access-config authenticationMode=API_AND_CONFIG_MAP, wait until aws eks describe-cluster shows ACTIVE, then run this again`,
        },
      );
    }
    if (auth.mode === "API") logger.warn(`cluster ${cluster} is in mode API, which already ignores the ConfigMap: these entries restore the access it held`);
    report = await applyPlan(plan, access, (line) => logger.debug(line));
  } finally {
    access.close();
  }
  if (output === "json") deps.stdout(planJson(plan, session.region, report));
  else {
    const skipped = plan.cannotMigrate.length ? `\nSkipped (cannot migrate):\n${plan.cannotMigrate.flatMap((u) => formatUnmigratable(u).map((l) => `  ${l}`)).join("\n")}\n` : "";
    deps.stdout(formatReport(report) + skipped);
  }
  const { counts } = report;
  if (counts.failed) {
    const refused = report.results.find((r) => r.outcome === "failed")!;
    const code = report.stopError instanceof EksTokenError ? report.stopError.code : "aws-call";
    throw new EksTokenError(code, `could not migrate cluster ${cluster} completely: ${summaryLine(counts)}; ${refused.principalArn}: ${refused.detail}`, {
      hint: "the report is on stdout; run the same command again to complete what is left",
    });
  }
  if (counts.conflict) {
    throw new EksTokenError("incomplete", `could not migrate ${counts.conflict === 1 ? "1 entry" : `${counts.conflict} entries`} of cluster ${cluster}: existing access entries differ (${summaryLine(counts)})`, {
      hint: "the report on stdout says how; change or delete those entries yourself (aws eks describe-access-entry), then run this again",
    });
  }
  logger.note(`migrated cluster ${cluster}: ${summaryLine(counts)}; the aws-auth ConfigMap was not changed`);
  return 0;
});
