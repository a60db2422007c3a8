// Issue 11 acceptance, termination mode: see _alb-deploy.ts.
import { albDeploySuite } from './_alb-deploy.ts';

albDeploySuite('termination');
