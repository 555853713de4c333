/** `splitkey receipt verify FILE`: check the signed destroy receipts `key destroy --receipt FILE` wrote. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { ReceiptBundle } from '../../client/receipt.js';
import { CliError, out } from '../output.js';

export function registerReceipt(program: Command): void {
  program
    .command('receipt')
    .description('destroy receipts (verifiable crypto-shredding)')
    .command('verify <file>')
    .description('check every node’s signed receipt against the cluster CA and say whether fewer than t holders of the version remain (exit 0 only then)')
    .option('--ca <file>', 'cluster CA certificate (default $SPLITKEY_CA)')
    .option('--cluster <file>', 'cluster descriptor: its minThreshold decides how many receipts must vouch for the record (default $SPLITKEY_CLUSTER)')
    .action(async (file: string, opts: { ca?: string; cluster?: string }) => {
      const caPath = opts.ca ?? process.env.SPLITKEY_CA;
      if (!caPath) throw new CliError('give the cluster CA with --ca FILE or $SPLITKEY_CA');
      const clusterPath = opts.cluster ?? process.env.SPLITKEY_CLUSTER;
      if (!clusterPath) throw new CliError('give the cluster descriptor with --cluster FILE or $SPLITKEY_CLUSTER (its minThreshold is the trust policy the receipts are checked against)');
      const { loadDescriptor, minThresholdOf } = await import('../../client/descriptor.js');
      const minThreshold = minThresholdOf(await loadDescriptor(clusterPath));
      let bundle: ReceiptBundle;
      let ca: Buffer;
      try {
        bundle = JSON.parse(await readFile(file, 'utf8')) as ReceiptBundle;
        ca = await readFile(caPath);
      } catch (e) {
        throw new CliError(`cannot read ${(e as Error).message}`);
      }
      if (bundle?.kind !== 'splitkey/v1/destroy-receipts') throw new CliError(`${file} is not a destroy-receipt bundle (written by splitkey key destroy --receipt FILE)`);
      const { verifyReceipts } = await import('../../client/receipt.js');
      const v = verifyReceipts(bundle, ca, { minThreshold });
      for (const p of v.problems) out(`refused: ${p}`);
      out(`${v.keyName} version ${v.version}: ${v.threshold}-of-${v.nodeIndices.length} on nodes ${v.nodeIndices.join(',') || '(unknown)'}`);
      out(`  erased (valid receipts): ${v.erased.join(',') || 'none'}`);
      out(`  may still hold a share:  ${v.remaining.join(',') || 'none'}`);
      if (!bundle.record) throw new CliError(`no verdict: ${file} names no agreed record of the version; it was not written by splitkey key destroy --receipt with t agreeing nodes`, 1);
      if (!v.shredded) throw new CliError(`NOT shredded: ${v.remaining.length} holders remain (t = ${v.threshold}); destroy again when they are reachable`, 1);
      out(`shredded: ${v.remaining.length} holders remain, fewer than t = ${v.threshold}: nobody can evaluate version ${v.version} again`);
    });
}
