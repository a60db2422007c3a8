// The .github/workflows/deploy.yml that `deploy init` writes. String.raw keeps the shell's
// backslashes as written; GitHub's ${{ }} expressions go through gh() so that JavaScript does not
// read them as interpolations.
const gh = (expr: string) => `\${{ ${expr} }}`;
// A backtick cannot be written inside String.raw without a backslash that String.raw would keep.
const code = (text: string) => `\`${text}\``;

/**
 * Each action at a commit, with its release in a comment: the current majors, all on the Node 24
 * runtime (GitHub retired Node 20 for actions). Each SHA is the commit its release tag points to.
 */
export const ACTIONS = {
  checkout: '3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
  setupNode: '820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
  awsCredentials: 'e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3',
  uploadArtifact: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0',
} as const;

export function workflowTemplate(): string {
  return String.raw`# Deploys with handoff: one host at a time, traffic drained before its JVM is stopped.
# Written by deploy init. Before the first run, set in Settings > Secrets and variables > Actions:
#   variables  AWS_ROLE_ARN   the IAM role this workflow assumes through OIDC (no AWS keys in GitHub)
#              AWS_REGION     e.g. eu-west-1
#              DEPLOY_JUMP    only when the hosts sit in private subnets: the jump host (bastion),
#                             e.g. ec2-user@bastion.example.com (OpenSSH's ProxyJump; the runner
#                             reaches the bastion, the bastion reaches the hosts)
#   secrets    DEPLOY_SSH_KEY      private key of the hosts' SSH user
#              DEPLOY_KNOWN_HOSTS  the hosts' known_hosts lines, and the bastion's (see the SSH step below)
# The role's trust policy must allow token.actions.githubusercontent.com for this repository
# (sub repo:<owner>/<repo>:environment:production) and its policy the ELB calls handoff makes.
name: deploy

on:
  push:
    branches: [main]
  workflow_dispatch:

# id-token: write lets the job mint the OIDC token AWS exchanges for role credentials. Once one
# permission is listed every other one is none, so contents: read is needed for the checkout.
permissions:
  id-token: write
  contents: read

jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: production
    # One deploy per environment at a time. Never cancel a running deploy for a newer push: a
    # cancelled job can stop between drain and admit. By default GitHub keeps one pending run per
    # group and cancels it when a newer one arrives; queue: max keeps up to 100 waiting, run in
    # order (GitHub Actions, May 2026; where it is not supported, drop the line and expect that).
    concurrency:
      group: deploy-production
      cancel-in-progress: false
      queue: max
    timeout-minutes: 60
    steps:
      # Actions are pinned to a commit (the tag in the comment), as GitHub's hardening guide advises:
      # a tag can be moved, a commit cannot. Dependabot (github-actions) updates SHA and comment together.
      - uses: actions/checkout@${ACTIONS.checkout}

      - uses: actions/setup-node@${ACTIONS.setupNode}
        with:
          node-version: 24
          cache: npm

      - run: npm ci

      - uses: aws-actions/configure-aws-credentials@${ACTIONS.awsCredentials}
        with:
          role-to-assume: ${gh('vars.AWS_ROLE_ARN')}
          aws-region: ${gh('vars.AWS_REGION')}
          # These credentials are never refreshed: a deploy that outlives them fails half-way.
          # 3600 s is IAM's default maximum session; a longer value fails on a default role. If
          # ${code('npx --no-install handoff plan')} prints a total near an hour, raise the role's
          # MaxSessionDuration first, then this.
          role-duration-seconds: 3600

      # known_hosts comes from a secret, not from ssh-keyscan here: a scan at deploy time trusts
      # whatever answers on the network, which is exactly what host-key checking guards against.
      # Scan once, compare the fingerprints with the instance's own (EC2 console: Get system log),
      # then store the lines as DEPLOY_KNOWN_HOSTS. Behind a bastion: its line too, and the hosts'
      # under the addresses the config names (their private ones), scanned from the bastion.
      # The bastion's security group allows port 22 from the runner; the hosts', from the bastion.
      # Its key: the same DEPLOY_SSH_KEY unless ssh.jump names another.
      - name: SSH key and known_hosts
        env:
          SSH_KEY: ${gh('secrets.DEPLOY_SSH_KEY')}
          KNOWN_HOSTS: ${gh('secrets.DEPLOY_KNOWN_HOSTS')}
        run: |
          dir="$RUNNER_TEMP/handoff-ssh"
          install -d -m 700 "$dir"
          umask 077
          printf '%s\n' "$SSH_KEY" > "$dir/deploy_key"
          printf '%s\n' "$KNOWN_HOSTS" > "$dir/known_hosts"
          chmod 600 "$dir/deploy_key" "$dir/known_hosts"
          # deploy.config.ts reads these two paths
          echo "DEPLOY_SSH_KEY_PATH=$dir/deploy_key" >> "$GITHUB_ENV"
          echo "DEPLOY_KNOWN_HOSTS_PATH=$dir/known_hosts" >> "$GITHUB_ENV"

      - run: npx --no-install handoff run --yes
        env:
          DEPLOY_JUMP: ${gh('vars.DEPLOY_JUMP')}

      # The report (report.html, report.json, events, memory.csv/svg, summary.md) also when the deploy failed:
      # that is when it is needed most.
      - uses: actions/upload-artifact@${ACTIONS.uploadArtifact}
        if: always()
        with:
          name: deploy-report-${gh('github.run_id')}-${gh('github.run_attempt')}
          path: deploy-report/
          if-no-files-found: ignore
          retention-days: 30
`;
}
