import { useState } from 'preact/hooks';
import { consoleApi } from './api';

export interface DevUser {
  sub: string;
  scopes: string[];
  plan: string;
  token: string;
}

interface Props {
  scopes: string[];
  plans: string[];
  user: DevUser | null;
  onUser: (user: DevUser) => void;
}

/** Picks the dev user every view acts as: the runtime's dev issuer mints its token (never leaves this page). */
export function UserPicker({ scopes, plans, user, onUser }: Props) {
  const [sub, setSub] = useState(user?.sub ?? 'console-user');
  const [chosen, setChosen] = useState<string[]>(user?.scopes ?? scopes);
  const [plan, setPlan] = useState(user?.plan ?? plans[0] ?? 'free');
  const [error, setError] = useState<string | null>(null);
  const mint = async (event: Event) => {
    event.preventDefault();
    try {
      const minted = await consoleApi<DevUser>('/tokens', { method: 'POST', body: { sub, scopes: chosen, plan } });
      setError(null);
      onUser(minted);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };
  return (
    <form class="user" onSubmit={mint}>
      <label>
        sub <input name="sub" value={sub} onInput={(e) => setSub(e.currentTarget.value)} size={14} />
      </label>
      <span class="scopes">
        {scopes.map((name) => (
          <label key={name}>
            <input
              type="checkbox"
              checked={chosen.includes(name)}
              onChange={(e) =>
                setChosen(e.currentTarget.checked ? [...chosen, name] : chosen.filter((item) => item !== name))
              }
            />
            {name.replace('toolgate/', '')}
          </label>
        ))}
      </span>
      <label>
        plan{' '}
        <select value={plan} onChange={(e) => setPlan(e.currentTarget.value)}>
          {plans.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </label>
      <button type="submit">Use this user</button>
      {user ? (
        <span class="muted" data-testid="current-user">
          acting as <b>{user.sub}</b> ({user.plan})
        </span>
      ) : null}
      {error ? <span class="error">{error}</span> : null}
    </form>
  );
}
