// Config rules of strategy 'swap' (pure): what the swap needs from the config before anything runs.
import type { Rule } from '../config/rules.ts';

export const swapNeedsPortsAndRegistration: Rule = ({ config, errors }) => {
  // auto may pick the swap when app.ports is set: then the swap's needs hold too.
  const auto = config.strategy === 'auto';
  if (config.strategy !== 'swap' && !(auto && config.app.ports)) return;
  const { ports, port, portEnv, start } = config.app;
  if (!ports)
    errors.push({
      path: 'app.ports',
      message: auto
        ? "required with strategy 'auto' and app.ports (a swap)"
        : "required with strategy 'swap'",
      hint: `the two ports the app alternates between, e.g. [${port}, ${port + 1}]`,
    });
  else if (ports[0] === ports[1])
    errors.push({ path: 'app.ports', message: 'names one port twice', hint: 'give two different ports' });
  else if (!ports.includes(port))
    errors.push({
      path: 'app.ports',
      message: `does not include app.port ${port}`,
      hint: 'app.port is where the app serves before the first swap: make it one of the pair',
    });
  // The swap registers and deregisters instance:port targets itself, whichever drain mode is set.
  if (!config.loadBalancer.targetGroup)
    errors.push({
      path: 'loadBalancer.targetGroup',
      message: auto
        ? "required with strategy 'auto' and app.ports (a swap)"
        : "required with strategy 'swap'",
      hint: 'the swap registers instance:port targets in the target group',
    });
  if (Array.isArray(config.hosts))
    config.hosts.forEach((host, i) => {
      if (!host.instanceId)
        errors.push({
          path: `hosts[${i}].instanceId`,
          message: auto
            ? "required with strategy 'auto' and app.ports (a swap)"
            : "required with strategy 'swap'",
          hint: 'the instance id is the target Id in the target group, e.g. i-0abc1234def567890',
        });
    });
  if (Object.hasOwn(start.env, portEnv))
    errors.push({
      path: `app.start.env.${portEnv}`,
      message: `is set by the swap (app.portEnv): each JVM gets its own port`,
      hint: `remove ${portEnv} from app.start.env`,
    });
};
