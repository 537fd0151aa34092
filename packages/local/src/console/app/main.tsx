import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { consoleApi } from './api';
import { ChatView } from './chat';
import { JobsView } from './jobs';
import { RequestsView } from './requests';
import { TiersView } from './tiers';
import { UploadsView } from './uploads';
import { type DevUser, UserPicker } from './user';

const VIEWS = ['requests', 'chat', 'uploads', 'jobs', 'tiers'] as const;
type View = (typeof VIEWS)[number];

interface Info {
  apiUrl: string;
  scopes: string[];
  plans: string[];
}

function viewFromHash(): View {
  const name = location.hash.slice(1);
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'requests';
}

function App() {
  const [info, setInfo] = useState<Info | null>(null);
  const [view, setView] = useState<View>(viewFromHash());
  const [user, setUser] = useState<DevUser | null>(null);
  useEffect(() => {
    consoleApi<Info>('/info').then(setInfo, () => undefined);
    const onHash = () => setView(viewFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return (
    <>
      <header class="top">
        <h1>toolgate console</h1>
        <nav>
          {VIEWS.map((name) => (
            <a key={name} href={`#${name}`} class={name === view ? 'active' : ''}>
              {name}
            </a>
          ))}
        </nav>
        <span class="api-url">{info?.apiUrl}</span>
      </header>
      {info ? <UserPicker scopes={info.scopes} plans={info.plans} user={user} onUser={setUser} /> : null}
      <main>
        {view === 'requests' ? <RequestsView /> : null}
        {view === 'chat' ? <ChatView user={user} /> : null}
        {view === 'uploads' ? <UploadsView user={user} /> : null}
        {view === 'jobs' ? <JobsView user={user} /> : null}
        {view === 'tiers' ? <TiersView /> : null}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
