import {
  expandPostfix,
  type PostfixDefaults,
  type PostfixParameter,
  type PostfixParameters,
} from './main-cf.js';
import type { MasterService } from './master-cf.js';

/**
 * A Postfix configuration as the daemons see it: main.cf parameters, master.cf
 * services with their `-o` overrides, and defaults for what neither sets.
 */
export class PostfixConfig {
  constructor(
    readonly main: PostfixParameters,
    readonly services: MasterService[],
    readonly defaults: PostfixDefaults,
  ) {}

  /** The raw setting (main.cf, or a service's `-o` when `service` is given), or undefined when only the default applies. */
  setting(name: string, service?: MasterService): PostfixParameter | undefined {
    return service?.overrides.get(name) ?? this.main.get(name);
  }

  /** The value in effect, `$references` expanded (service overrides see main.cf and defaults). */
  value(name: string, service?: MasterService): string {
    const raw = this.setting(name, service)?.value ?? this.defaults.get(name) ?? '';
    return expandPostfix(raw, (ref) => this.setting(ref, service)?.value ?? this.defaults.get(ref));
  }

  /** Services run by a command, e.g. every `smtpd` listener. */
  servicesRunning(command: string): MasterService[] {
    return this.services.filter((s) => s.command === command);
  }

  /** inet services: what listens on the network. */
  inetServices(): MasterService[] {
    return this.services.filter((s) => s.type === 'inet');
  }
}
