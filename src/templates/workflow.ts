// The .github/workflows/deploy.yml that `deploy init` writes. String.raw keeps the shell's
// backslashes as written; GitHub's ${{ }} expressions go through gh() so that JavaScript does not
// read them as interpolations.
const gh = (expr: string) => `\${{ ${expr} }}`;

export function workflowTemplate(): string {
  return String.raw`# Deploys with handoff: one host at a time, traffic drained before its JVM is stopped.
# Written by deploy init. Before the first run, set in Settings > Secrets and variables > Actions:
#   variables  AWS_ROLE_ARN   the IAM role this workflow assumes through OIDC (no AWS keys in GitHub)
#              AWS_REGION     e.g. eu-west-1
#   secrets    DEPLOY_SSH_KEY      private key of the hosts' SSH user
#              DEPLOY_KNOWN_HOSTS  the hosts' known_hosts lines (see the SSH step below)
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
    # cancelled job can stop between drain and admit. The newer push waits its turn instead.
    concurrency:
      group: deploy-production
      cancel-in-progress: false
    timeout-minutes: 120
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-node@v4
        with:
          node-version: 24
          cache: npm

      - run: npm ci

      - uses: aws-actions/configure-aws-credentials@v6.2.3
        with:
          role-to-assume: ${gh('vars.AWS_ROLE_ARN')}
          aws-region: ${gh('vars.AWS_REGION')}
          # These credentials are never refreshed: a deploy that outlives them fails half-way.
          # Per host a deploy takes the drain wait + stop grace + build + boot + settle (in
          # deregister mode up to the deregistration delay, 300 s by default); npx --no-install handoff plan
          # prints the total. Keep this well above it; the role's MaxSessionDuration must allow it.
          role-duration-seconds: 7200

      # known_hosts comes from a secret, not from ssh-keyscan here: a scan at deploy time trusts
      # whatever answers on the network, which is exactly what host-key checking guards against.
      # Scan once, compare the fingerprints with the instance's own (EC2 console: Get system log),
      # then store the lines as DEPLOY_KNOWN_HOSTS.
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

      # The report (report.json, events, memory.csv/svg, summary.md) also when the deploy failed:
      # that is when it is needed most.
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: deploy-report-${gh('github.run_id')}-${gh('github.run_attempt')}
          path: deploy-report/
          if-no-files-found: ignore
          retention-days: 30
`;
}
