// The sidebar: one link per screen, the current one marked for screen readers too.
import type { Route } from '../router';
import { ThemeToggle } from './ThemeToggle';

const LINKS: Array<{ href: string; label: string; pages: Route['page'][] }> = [
  { href: '#/datasets', label: 'Datasets', pages: ['datasets', 'sample', 'queue'] },
  { href: '#/augment', label: 'Augmentation', pages: ['augment'] },
  { href: '#/new-run', label: 'New run', pages: ['new-run'] },
  { href: '#/runs', label: 'Runs', pages: ['runs', 'run', 'sweep'] },
  { href: '#/predictions', label: 'Predictions', pages: ['predictions'] },
];

export function NavBar({ route }: { route: Route }) {
  return (
    <nav className="nav" aria-label="Main">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">◐</span> Pet Segmentation Studio
      </div>
      <ul>
        {LINKS.map((l) => {
          const current = l.pages.includes(route.page);
          return (
            <li key={l.href}>
              <a href={l.href} aria-current={current ? 'page' : undefined} className={current ? 'current' : ''}>
                {l.label}
              </a>
            </li>
          );
        })}
      </ul>
      <ThemeToggle />
    </nav>
  );
}
