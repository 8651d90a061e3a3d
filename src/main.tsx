import './zodConfig';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerServiceWorker } from './pwa/register';
import { installPageLifecycle } from './state/pageLifecycle';
import { App } from './ui/App';
import { ErrorBoundary } from './ui/ErrorBoundary';
import { applyTheme, storedTheme } from './ui/theme';
import './ui/styles.css';
import './ui/chartTools.css';
import './ui/dialogs.css';
import './ui/responsive.css';

applyTheme(storedTheme());

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);

installPageLifecycle();
registerServiceWorker();
