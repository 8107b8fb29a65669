/**
 * The Admin-console steps that set "Allow per-user outbound gateways" for one OU, for targets that refuse the
 * write through the Policy API.
 */
export function gatewayManualSteps(orgUnitPath: string, allow: boolean | 'inherit'): string[] {
  const steps = [
    'Sign in to the Google Admin console (admin.google.com) as an administrator with the Gmail Settings privilege.',
    'Go to Apps > Google Workspace > Gmail > End User Access.',
    `In the organisational-unit list on the left, select ${orgUnitPath}.`,
  ];
  if (allow === 'inherit') {
    steps.push('In the "Allow per-user outbound gateways" section, click Inherit and confirm.');
  } else {
    steps.push(
      `In the "Allow per-user outbound gateways" section, ${allow ? 'select' : 'clear'} "Allow users to send mail ` +
        'through an external SMTP server when configuring a "from" address hosted outside your email domains".',
      'Click Save (Override, for a child organisational unit).',
    );
  }
  return steps;
}
