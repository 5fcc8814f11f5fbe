/** Routing on React Router: the server answers every console path with index.html, the router picks the page. */
import type { AnchorHTMLAttributes, ReactNode } from 'react';
import { NavLink, useLocation, useNavigate, useSearchParams } from 'react-router';

/** The current path, query and a navigate function (a page-sized view of React Router's hooks). */
export function useRoute() {
  const { pathname } = useLocation();
  const [search] = useSearchParams();
  const nav = useNavigate();
  return {
    path: pathname,
    search,
    navigate: (to: string) => {
      void nav(to);
      window.scrollTo(0, 0);
    },
  };
}

/** A real link that navigates without reloading; marked aria-current when it leads to the current page or above it. */
export function Link({ to, children, className, ...rest }: { to: string; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return (
    <NavLink to={to} end={to === '/'} className={className ?? ''} {...rest}>
      {children}
    </NavLink>
  );
}
