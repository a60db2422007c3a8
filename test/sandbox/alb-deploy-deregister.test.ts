// Issue 11 acceptance, deregister mode: see _alb-deploy.ts.
import { albDeploySuite } from './_alb-deploy.ts';

albDeploySuite('deregister');
